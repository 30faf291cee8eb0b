import { CheckpointStore, EventStore, ProjectionRunner } from "@cello/eventsourcing"
import { MemoryEventStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, Option, Ref, Schedule } from "effect"
import { TestClock } from "effect/testing"
import { flakyCheckpointStore, Outage } from "./outage.js"
import { placeOrders, rows, Summaries, summaries } from "./summaries.js"

const Flaky = Layer.mergeAll(MemoryEventStore.layer, Summaries.layer, flakyCheckpointStore).pipe(
  Layer.provideMerge(Outage.layer)
)

/** Polls until `check` holds (bounded, so a regression fails instead of hanging). */
const eventually = <A, E, R>(effect: Effect.Effect<A, E, R>, check: (a: A) => boolean) =>
  effect.pipe(
    Effect.repeat({ until: check, schedule: Schedule.spaced("5 millis") }),
    Effect.timeout("10 seconds")
  )

/** Collects the messages logged as warnings. */
const warnings = () => {
  const logged: Array<ReadonlyArray<unknown>> = []
  const layer = Logger.layer([
    Logger.make(({ logLevel, message }) => {
      if (logLevel === "Warn") logged.push(Array.isArray(message) ? message : [message])
    })
  ])
  return { logged, layer }
}

/** When the runner tried to take the lease while the store was down. */
const refusedLeases = Effect.map(
  Outage.use(({ failures }) => Ref.get(failures)),
  (all) => all.filter(([operation]) => operation === "acquireLease").map(([, at]) => at)
)

describe("ProjectionRunner.run during a store outage", () => {
  it.live("logs, resumes from the checkpoint when the store is back, and keeps following", () => {
    const logs = warnings()
    return Effect.gen(function* () {
      const { down } = yield* Outage
      yield* placeOrders(["a", "b"])
      const runner = yield* Effect.forkChild(
        ProjectionRunner.run(summaries(), {
          owner: "r1",
          leaseDuration: "300 millis",
          retryDelay: "10 millis",
          maxRetryDelay: "40 millis"
        })
      )
      yield* eventually(rows, (m) => m.size === 2)

      yield* Ref.set(down, true)
      // Applied while following, but its checkpoint cannot be stored: the run hits the outage.
      yield* placeOrders(["c"])
      // Several refused tries: the runner went back to waiting for the lease, more than once.
      yield* eventually(refusedLeases, (tries) => tries.length >= 3)
      yield* placeOrders(["d"])
      yield* Ref.set(down, false)

      yield* eventually(rows, (m) => m.size === 4)
      assert.deepStrictEqual([...(yield* rows).keys()].sort(), ["a", "b", "c", "d"])
      // Still following live appends, and storing the checkpoint again.
      yield* placeOrders(["e"])
      yield* eventually(rows, (m) => m.has("e"))
      const head = yield* EventStore.head
      const checkpoints = yield* CheckpointStore.CheckpointStore
      yield* eventually(checkpoints.load("order-summaries"), (stored) =>
        Option.exists(stored, (at) => at.position === head.position)
      )
      assert.isUndefined(runner.pollUnsafe())

      // The warning names the projection and the error (from whichever call met the outage first).
      const warning = logs.logged.find((message) => String(message[0]).includes("store unavailable"))
      assert.deepInclude(warning?.[1], { projection: "order-summaries" })
      assert.match(JSON.stringify(warning?.[1]), /"error":"test checkpoints unavailable during \w+: down"/)
      yield* Fiber.interrupt(runner)
    }).pipe(Effect.provide(Layer.mergeAll(Flaky, logs.layer)))
  })

  it.effect("waits longer after each failed try, up to the cap, and from the start after a good run", () =>
    Effect.gen(function* () {
      const { down } = yield* Outage
      yield* Ref.set(down, true)
      const runner = yield* Effect.forkChild(
        ProjectionRunner.run(summaries(), { retryDelay: "100 millis", maxRetryDelay: "400 millis" })
      )
      yield* TestClock.adjust("2 seconds")
      // Waits of 100, 200, then 400 ms at most.
      assert.deepStrictEqual(yield* refusedLeases, [0, 100, 300, 700, 1100, 1500, 1900])

      yield* Ref.set(down, false)
      yield* placeOrders(["a"])
      yield* TestClock.adjust("1 second")
      assert.isTrue((yield* rows).has("a"))

      // Up for longer than the cap: the next outage starts again from 100 ms.
      yield* Ref.set(down, true)
      yield* placeOrders(["b"])
      yield* TestClock.adjust("800 millis")
      assert.deepStrictEqual((yield* refusedLeases).slice(7), [3100, 3300, 3700])
      yield* Fiber.interrupt(runner)
    }).pipe(Effect.provide(Flaky))
  )
})
