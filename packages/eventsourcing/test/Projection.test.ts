import {
  CheckpointStore,
  EventSourcingConfig,
  EventStore,
  Metrics,
  Projection,
  ProjectionRunner,
  Repository
} from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Layer, Metric, Option, Ref, Stream } from "effect"
import { Order, OrderCreated, ship } from "../examples/order.js"
import { applied, Base, placeOrders, rows, Summaries, summaries } from "./summaries.js"

describe("inline projections", () => {
  it.effect("update the read model inside the append", () =>
    Effect.gen(function* () {
      yield* placeOrders(["o-1"])
      yield* Repository.handle(Order, "o-1", ship("o-1", "T"))
      assert.deepStrictEqual([...(yield* rows)], [["o-1", "shipped"]])
    }).pipe(Effect.provide(Projection.layerInline([summaries()]).pipe(Layer.provideMerge(Base))))
  )

  it.effect("a failing inline projection fails the command and no event is stored", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(placeOrders(["bad"]))
      assert.strictEqual(error._tag, "ProjectionError")
      if (error._tag === "ProjectionError") {
        assert.deepStrictEqual(
          [error.projection, error.streamId, error.version, error.type],
          ["order-summaries", "Order-bad", 1, "OrderCreated"]
        )
      }
      assert.strictEqual(yield* EventStore.streamVersion("Order-bad"), 0)
      assert.strictEqual((yield* rows).size, 0)
    }).pipe(
      Effect.provide(Projection.layerInline([summaries({ failOn: "bad" })]).pipe(Layer.provideMerge(Base)))
    )
  )
})

describe("ProjectionRunner", () => {
  it.effect("catchUp applies the log from the checkpoint and stores it", () =>
    Effect.gen(function* () {
      yield* placeOrders(["a", "b", "c"])
      yield* EventStore.append("Other-1", [{ type: "SomethingElse", data: {} }])
      const first = yield* ProjectionRunner.catchUp(summaries(), { batchSize: 2 })
      assert.strictEqual(first.processed, 4)
      assert.strictEqual(first.behind, 0)
      assert.deepStrictEqual([...(yield* rows).keys()].sort(), ["a", "b", "c"])
      const again = yield* ProjectionRunner.catchUp(summaries())
      assert.strictEqual(again.processed, 0)
      assert.strictEqual(yield* applied, 3)
      assert.deepStrictEqual(yield* ProjectionRunner.status("order-summaries"), { ...again, processed: 0 })
    }).pipe(Effect.provide(Base))
  )

  it.effect(
    "a failing handler stops the projection before the failing event, which is applied after the fix",
    () =>
      Effect.gen(function* () {
        yield* placeOrders(["a", "bad", "c"])
        const error = yield* Effect.flip(ProjectionRunner.catchUp(summaries({ failOn: "bad" })))
        assert.strictEqual(error._tag, "ProjectionError")
        if (error._tag === "ProjectionError") {
          assert.deepStrictEqual([error.streamId, error.type], ["Order-bad", "OrderCreated"])
          assert.match(error.message, /order-summaries.*Order-bad/)
        }
        assert.deepStrictEqual([...(yield* rows).keys()], ["a"])
        const stopped = yield* ProjectionRunner.status("order-summaries")
        assert.strictEqual(stopped.behind, 2)
        // Fixed handler: resumes at "bad", never skipping it.
        const resumed = yield* ProjectionRunner.catchUp(summaries())
        assert.strictEqual(resumed.processed, 2)
        assert.deepStrictEqual([...(yield* rows).keys()].sort(), ["a", "bad", "c"])
      }).pipe(Effect.provide(Base))
  )

  it.effect("a handler's defect stops the runner as that defect, not as a ProjectionError", () =>
    Effect.gen(function* () {
      yield* placeOrders(["a", "b"])
      const dying = Projection.make({
        name: "dying",
        events: [OrderCreated],
        handlers: { OrderCreated: (e) => (e.orderId === "b" ? Effect.die("boom") : Effect.void) }
      })
      const exit = yield* Effect.exit(ProjectionRunner.catchUp(dying))
      assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause) && !Cause.hasFails(exit.cause))
      if (Exit.isFailure(exit)) assert.deepStrictEqual(Cause.squash(exit.cause), "boom")
    }).pipe(Effect.provide(Base))
  )

  it.effect("cello_projection_events_total counts the events applied, not those skipped or failed", () =>
    Effect.gen(function* () {
      const counter = Metric.withAttributes(Metrics.projectionEvents, { projection: "order-summaries" })
      const count = Effect.map(Metric.value(counter), (state) => state.count)
      const before = yield* count
      yield* placeOrders(["a", "bad", "c"])
      yield* EventStore.append("Other-1", [{ type: "SomethingElse", data: {} }])
      yield* Effect.flip(ProjectionRunner.catchUp(summaries({ failOn: "bad" })))
      assert.strictEqual((yield* count) - before, 1)
      yield* ProjectionRunner.catchUp(summaries())
      assert.strictEqual((yield* count) - before, 3)
    }).pipe(Effect.provide(Base))
  )

  it.effect("rebuild resets the read model and replays everything, reporting progress", () =>
    Effect.gen(function* () {
      yield* placeOrders(["a", "b", "c", "d", "e"])
      yield* ProjectionRunner.catchUp(summaries())
      const { rows: table } = yield* Summaries
      yield* Ref.set(table, new Map([["stale", "junk"]]))
      const reports: Array<readonly [number, number]> = []
      const done = yield* ProjectionRunner.rebuild(summaries(), {
        batchSize: 2,
        onProgress: (p) => Effect.sync(() => reports.push([p.processed, p.behind]))
      })
      assert.deepStrictEqual(reports, [
        [2, 3],
        [4, 1],
        [5, 0]
      ])
      assert.strictEqual(done.behind, 0)
      assert.deepStrictEqual([...(yield* rows).keys()].sort(), ["a", "b", "c", "d", "e"])
    }).pipe(Effect.provide(Base))
  )

  it.effect("rebuild is refused when enableReplay is off", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(ProjectionRunner.rebuild(summaries()))
      assert.strictEqual(error._tag, "ReplayDisabled")
    }).pipe(Effect.provide(Layer.mergeAll(Base, EventSourcingConfig.layer({ enableReplay: false }))))
  )

  it.live("run follows live appends; two runners on one store apply each event once", () =>
    Effect.gen(function* () {
      yield* placeOrders(["a", "b"])
      const runners = yield* Effect.forEach(["r1", "r2"], (owner) =>
        Effect.forkChild(ProjectionRunner.run(summaries(), { owner, leaseDuration: "300 millis" }))
      )
      yield* placeOrders(["c", "d"])
      yield* Repository.handle(Order, "a", ship("a", "T"))
      yield* rows.pipe(
        Effect.repeat({ until: (m) => m.size === 4 && m.get("a") === "shipped" }),
        Effect.timeout("5 seconds")
      )
      yield* Effect.sleep("400 millis") // long enough for a lease renewal: still one runner
      assert.strictEqual(yield* applied, 5)
      yield* Effect.forEach(runners, Fiber.interrupt)
    }).pipe(Effect.provide(Base))
  )

  it.live("a runner takes over a lease whose holder died without releasing it", () =>
    Effect.gen(function* () {
      const checkpoints = yield* CheckpointStore.CheckpointStore
      yield* placeOrders(["a"])
      assert.isTrue(yield* checkpoints.acquireLease("order-summaries", "dead-process", "300 millis"))
      const runner = yield* Effect.forkChild(
        ProjectionRunner.run(summaries(), { owner: "survivor", leaseDuration: "300 millis" })
      )
      yield* Effect.sleep("50 millis")
      assert.strictEqual((yield* rows).size, 0)
      yield* rows.pipe(Effect.repeat({ until: (m) => m.size === 1 }), Effect.timeout("5 seconds"))
      assert.isTrue(Option.isSome(yield* checkpoints.load("order-summaries")))
      yield* Fiber.interrupt(runner)
      // Interrupting released the lease: another owner may take it at once.
      assert.isTrue(yield* checkpoints.acquireLease("order-summaries", "next", "1 second"))
    }).pipe(Effect.provide(Base))
  )
})

describe("subscription lag", () => {
  it.live("live subscriptions report how far behind the appends they deliver", () =>
    Effect.gen(function* () {
      const before = (yield* Metric.value(Metrics.subscriptionLag)).count
      yield* placeOrders(["lag-1", "lag-2"])
      yield* EventStore.subscribeAll().pipe(Stream.take(2), Stream.runDrain)
      assert.isAbove((yield* Metric.value(Metrics.subscriptionLag)).count, before)
    }).pipe(Effect.provide(Base))
  )
})
