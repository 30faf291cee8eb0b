import { Checkpoint, Consistency, EventStore, ProjectionRunner, Repository } from "@cello/eventsourcing"
import { MemoryEventStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Ref } from "effect"
import { TestClock } from "effect/testing"
import { create, Order, ship } from "../examples/order.js"
import { flakyCheckpointStore, Outage } from "./outage.js"
import { Base, placeOrders, rows, Summaries, summaries } from "./summaries.js"

const projections = ["order-summaries"]

/** The checkpoint a tracked command returned, which must be there. */
const written = (checkpoint: Option.Option<Checkpoint.Checkpoint>): Checkpoint.Checkpoint => {
  assert.isTrue(Option.isSome(checkpoint), "the command appended events")
  return Option.getOrElse(checkpoint, () => Checkpoint.start)
}

describe("Consistency.track", () => {
  it.effect("returns the checkpoint of what the effect appended, through Repository", () =>
    Effect.gen(function* () {
      const [saved, checkpoint] = yield* Consistency.track(
        Repository.handle(Order, "o-1", create("o-1", "c", ["Widget"]))
      )
      assert.deepStrictEqual(checkpoint, Option.some(saved.envelopes[0]?.checkpoint ?? Checkpoint.start))
      assert.deepStrictEqual(checkpoint, Option.some(yield* EventStore.head))
    }).pipe(Effect.provide(Base))
  )

  it.effect("returns none when nothing was appended, even when appends happened before", () =>
    Effect.gen(function* () {
      yield* placeOrders(["o-1"])
      const [value, nothing] = yield* Consistency.track(Effect.succeed(42))
      assert.strictEqual(value, 42)
      assert.isTrue(Option.isNone(nothing))
      // A command that decides no events appends nothing.
      const [, noEvents] = yield* Consistency.track(Repository.handle(Order, "o-1", () => []))
      assert.isTrue(Option.isNone(noEvents))
    }).pipe(Effect.provide(Base))
  )

  it.effect("sees direct appends and forked fibers' appends; an outer track sees an inner one's", () =>
    Effect.gen(function* () {
      const [[, inner], outer] = yield* Consistency.track(
        Effect.gen(function* () {
          yield* EventStore.append("Other-1", [{ type: "Noted", data: {} }])
          return yield* Consistency.track(
            Effect.forkChild(EventStore.append("Other-2", [{ type: "Noted", data: {} }])).pipe(
              Effect.flatMap(Fiber.join)
            )
          )
        })
      )
      const head = yield* EventStore.head
      assert.deepStrictEqual(inner, Option.some(head))
      assert.deepStrictEqual(outer, Option.some(head))
      // An inner track does not see the outer one's appends after it.
      const [[[third, innerOnly], fourth], outerAll] = yield* Consistency.track(
        Effect.all([
          Consistency.track(EventStore.append("Other-3", [{ type: "Noted", data: {} }])),
          EventStore.append("Other-4", [{ type: "Noted", data: {} }])
        ])
      )
      assert.deepStrictEqual(innerOnly, Option.fromUndefinedOr(third.checkpoint))
      assert.deepStrictEqual(outerAll, Option.fromUndefinedOr(fourth.checkpoint))
      assert.isTrue(Checkpoint.isAfter(written(outerAll), written(innerOnly)))
    }).pipe(Effect.provide(Base))
  )
})

describe("Consistency.waitFor", () => {
  it.live("after waiting, the read model of an async projection shows the command's write", () =>
    Effect.gen(function* () {
      const runner = yield* Effect.forkChild(ProjectionRunner.run(summaries()))
      yield* placeOrders(["o-1"])
      const [, created] = yield* Consistency.track(placeOrders(["o-2"]))
      assert.isTrue(yield* Consistency.waitFor(projections, written(created)))
      assert.strictEqual((yield* rows).get("o-2"), "created")

      const [, shipped] = yield* Consistency.track(Repository.handle(Order, "o-1", ship("o-1", "T")))
      assert.isTrue(yield* Consistency.waitFor(projections, written(shipped)))
      assert.strictEqual((yield* rows).get("o-1"), "shipped")
      yield* Fiber.interrupt(runner)
    }).pipe(Effect.provide(Base))
  )

  it.effect("is true at once for projections already at the checkpoint", () =>
    Effect.gen(function* () {
      const [, checkpoint] = yield* Consistency.track(placeOrders(["o-1"]))
      yield* ProjectionRunner.catchUp(summaries())
      // Under TestClock, no wait can end unless the test moves the clock.
      assert.isTrue(yield* Consistency.waitFor(projections, written(checkpoint)))
      assert.isTrue(yield* Consistency.waitFor([], Checkpoint.make(99n, 99n)))
    }).pipe(Effect.provide(Base))
  )

  it.effect("is false when the timeout passes before every projection gets there", () =>
    Effect.gen(function* () {
      const [, checkpoint] = yield* Consistency.track(placeOrders(["o-1"]))
      yield* ProjectionRunner.catchUp(summaries())
      // "order-summaries" is there; nothing runs "order-totals".
      const waiting = yield* Effect.forkChild(
        Consistency.waitFor([...projections, "order-totals"], written(checkpoint), { timeout: "1 second" })
      )
      yield* TestClock.adjust("1 second")
      assert.isFalse(yield* Fiber.join(waiting))
    }).pipe(Effect.provide(Base))
  )

  it.effect("is false at once when the checkpoint store is unavailable", () =>
    Effect.gen(function* () {
      const { down, failures } = yield* Outage
      yield* Ref.set(down, true)
      // Under TestClock the default 2-second timeout never passes: only the outage ends the wait.
      assert.isFalse(yield* Consistency.waitFor(projections, Checkpoint.make(1n, 1n)))
      assert.deepStrictEqual(
        (yield* Ref.get(failures)).map(([operation]) => operation),
        ["load"]
      )
    }).pipe(
      Effect.provide(
        Layer.mergeAll(MemoryEventStore.layer, Summaries.layer, flakyCheckpointStore).pipe(
          Layer.provideMerge(Outage.layer)
        )
      )
    )
  )
})
