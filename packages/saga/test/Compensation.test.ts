import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SagaConfig, SagaOrchestrator, SagaStore } from "../src/index.js"
import { fourSteps, makeWorld, names, orchestrator } from "./fixtures.js"

// Retries with no delay to speak of: the clock is not moved in this file.
const SagaConfigWithRetries = SagaConfig.layer({ maxRetries: 2, retryDelay: "0 millis" })

describe("compensation", () => {
  it.effect("a saga without failure completes every step once, in order", () =>
    Effect.gen(function* () {
      const world = makeWorld()
      const result = yield* SagaOrchestrator.execute(fourSteps(world), { done: [], failAt: 0 })
      assert.strictEqual(result.status, "completed")
      assert.deepStrictEqual(result.stepsCompleted, names)
      assert.deepStrictEqual(result.context.done, names)
      assert.deepStrictEqual(world.calls, ["act:s1", "act:s2", "act:s3", "act:s4"])
      assert.deepStrictEqual(
        world.keys,
        names.map((n) => `${result.sagaId}:${n}`)
      )
      const stored = yield* SagaOrchestrator.status(result.sagaId)
      assert.strictEqual(stored.status, "completed")
      assert.strictEqual(stored.owner, undefined)
      assert.deepStrictEqual(stored.context, { done: names, failAt: 0 })
      // Before and after every step: started, then completed (the next step's start in the same write).
      assert.deepStrictEqual(
        stored.log.map((e) => `${e.step} ${e.status}`),
        names.flatMap((n) => [`${n} started`, `${n} completed`])
      )
    }).pipe(Effect.provide(orchestrator()))
  )

  for (const k of [1, 2, 3, 4]) {
    it.effect(`step ${k} of 4 fails: steps ${k - 1}..1 are compensated in reverse`, () =>
      Effect.gen(function* () {
        const world = makeWorld()
        const result = yield* SagaOrchestrator.execute(fourSteps(world), { done: [], failAt: k })
        const before = names.slice(0, k - 1)
        assert.strictEqual(result.status, k === 1 ? "failed" : "compensated")
        assert.strictEqual(result.failedStep, `s${k}`)
        assert.strictEqual(result.error, `Boom: s${k} failed`)
        assert.deepStrictEqual(result.stepsCompleted, before)
        assert.deepStrictEqual(result.compensatedSteps, [...before].reverse())
        assert.deepStrictEqual(result.context.done, before)
        assert.deepStrictEqual(world.calls, [
          ...before.map((n) => `act:${n}`),
          ...[...before].reverse().map((n) => `undo:${n}`)
        ])
        const stored = yield* SagaStore.get(result.sagaId)
        assert.strictEqual(stored._tag === "Some" ? stored.value.status : "missing", result.status)
      }).pipe(Effect.provide(orchestrator()))
    )
  }

  it.effect(
    "a compensation failing with a failure not to retry: the others still run, the saga ends compensation_failed",
    () =>
      Effect.gen(function* () {
        const world = makeWorld()
        world.failing.add("undo:s2")
        const result = yield* SagaOrchestrator.execute(fourSteps(world), { done: [], failAt: 4 })
        assert.strictEqual(result.status, "compensation_failed")
        assert.strictEqual(result.failedStep, "s4")
        assert.strictEqual(result.compensationFailedStep, "s2")
        assert.strictEqual(result.compensationError, "Boom: undo s2 failed")
        assert.deepStrictEqual(result.compensatedSteps, ["s3", "s1"])
        assert.deepStrictEqual(world.calls, ["act:s1", "act:s2", "act:s3", "undo:s3", "undo:s1"])
        const stored = yield* SagaOrchestrator.status(result.sagaId)
        assert.strictEqual(stored.compensationFailedStep, "s2")
        // Not retried (a Boom is not transient), whatever the actions' maxRetries (2 here).
        assert.deepStrictEqual(
          stored.log
            .filter((e) => e.step === "s2" && e.phase === "compensate" && e.status === "failed")
            .map((e) => e.attempt),
          [1]
        )
        assert.deepStrictEqual(
          yield* SagaOrchestrator.list({ status: "compensation_failed" }).pipe(
            Effect.map((l) => l.map((r) => r.id))
          ),
          [result.sagaId]
        )
      }).pipe(Effect.provide(orchestrator("test", SagaConfigWithRetries)))
  )
})
