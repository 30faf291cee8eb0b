import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Saga, SagaConfig, SagaOrchestrator } from "../src/index.js"
import { Boom, Glitch, orchestrator } from "./fixtures.js"

const Count = Schema.Struct({ n: Schema.Number })

describe("retries, timeouts, fallback and circuit breaker (TestClock)", () => {
  it.effect("a failing step is retried with exponential backoff from retryDelay", () =>
    Effect.gen(function* () {
      const attempts: Array<number> = []
      const flaky = Saga.make({
        name: "flaky",
        context: Count,
        steps: [
          {
            name: "call",
            retry: { maxRetries: 3, retryDelay: "1 second" },
            action: (ctx, info) =>
              Effect.gen(function* () {
                attempts.push(yield* Clock.currentTimeMillis)
                if (info.attempt < 4) return yield* new Glitch({ step: "call" })
                return { n: ctx.n + info.attempt }
              })
          }
        ]
      })
      const fiber = yield* Effect.forkChild(SagaOrchestrator.execute(flaky, { n: 0 }))
      for (const step of ["1 second", "2 seconds", "4 seconds"] as const) yield* TestClock.adjust(step)
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "completed")
      assert.deepStrictEqual(result.context, { n: 4 })
      // Attempts at 0, then 1 s, 2 s and 4 s after each failure.
      assert.deepStrictEqual(attempts, [0, 1000, 3000, 7000])
      const log = (yield* SagaOrchestrator.status(result.sagaId)).log
      assert.deepStrictEqual(
        log.map((e) => `${e.status}#${e.attempt}`),
        [
          "started#1",
          "failed#1",
          "started#2",
          "failed#2",
          "started#3",
          "failed#3",
          "started#4",
          "completed#4"
        ]
      )
    }).pipe(Effect.provide(orchestrator()))
  )

  it.effect(
    "transient failures: retries stop after maxRetries (from SagaConfig when the step has no policy)",
    () =>
      Effect.gen(function* () {
        let calls = 0
        const failing = Saga.make({
          name: "always-failing",
          context: Count,
          steps: [
            {
              name: "call",
              action: () =>
                Effect.suspend(() => {
                  calls++
                  return Effect.fail(new Glitch({ step: "call" }))
                })
            }
          ]
        })
        const fiber = yield* Effect.forkChild(SagaOrchestrator.execute(failing, { n: 0 }))
        yield* TestClock.adjust("1 minute")
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(calls, 3)
        assert.strictEqual(result.status, "failed")
      }).pipe(Effect.provide(orchestrator("t", SagaConfig.layer({ maxRetries: 2, retryDelay: "5 seconds" }))))
  )

  it.effect("an attempt past the step timeout fails and is retried; then the saga compensates", () =>
    Effect.gen(function* () {
      const undone: Array<string> = []
      const slow = Saga.make({
        name: "slow",
        context: Count,
        steps: [
          {
            name: "first",
            action: (c) => Effect.succeed(c),
            compensate: () => Effect.sync(() => void undone.push("first"))
          },
          {
            name: "hangs",
            timeout: "2 seconds",
            retry: { maxRetries: 1, retryDelay: "1 second" },
            action: () => Effect.never
          }
        ]
      })
      const fiber = yield* Effect.forkChild(SagaOrchestrator.execute(slow, { n: 0 }))
      yield* TestClock.adjust("2 seconds")
      yield* TestClock.adjust("1 second")
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "compensated")
      assert.strictEqual(result.failedStep, "hangs")
      assert.strictEqual(result.error, 'StepTimedOut: step "hangs" timed out after 2s')
      assert.deepStrictEqual(undone, ["first"])
    }).pipe(Effect.provide(orchestrator()))
  )

  it.effect("the saga's overall timeout interrupts a step and compensates", () =>
    Effect.gen(function* () {
      const undone: Array<string> = []
      const stuck = Saga.make({
        name: "stuck",
        context: Count,
        timeout: "1 minute",
        steps: [
          {
            name: "a",
            action: (c) => Effect.succeed(c),
            compensate: () => Effect.sync(() => void undone.push("a"))
          },
          { name: "never", action: () => Effect.never }
        ]
      })
      const fiber = yield* Effect.forkChild(SagaOrchestrator.execute(stuck, { n: 0 }))
      yield* TestClock.adjust("1 minute")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "compensated")
      assert.strictEqual(result.failedStep, "never")
      assert.strictEqual(result.error, 'SagaTimedOut: saga "stuck" timed out after 1m')
      assert.deepStrictEqual(undone, ["a"])
    }).pipe(Effect.provide(orchestrator()))
  )

  it.effect("a fallback runs when the step fails; its own compensation undoes it", () =>
    Effect.gen(function* () {
      const calls: Array<string> = []
      const withFallback = Saga.make({
        name: "fallback",
        context: Count,
        steps: [
          {
            name: "reserve",
            action: () =>
              Effect.sync(() => calls.push("primary")).pipe(
                Effect.andThen(Effect.fail(new Boom({ step: "reserve" })))
              ),
            compensate: () => Effect.sync(() => void calls.push("undo primary")),
            fallback: {
              name: "reserve-elsewhere",
              action: (c) =>
                Effect.sync(() => {
                  calls.push("fallback")
                  return { n: c.n + 1 }
                }),
              compensate: () => Effect.sync(() => void calls.push("undo fallback"))
            }
          },
          { name: "charge", action: () => Effect.fail(new Boom({ step: "charge" })) }
        ]
      })
      const result = yield* SagaOrchestrator.execute(withFallback, { n: 0 })
      assert.strictEqual(result.status, "compensated")
      assert.deepStrictEqual(result.stepsCompleted, ["reserve-elsewhere"])
      assert.deepStrictEqual(result.compensatedSteps, ["reserve-elsewhere"])
      assert.deepStrictEqual(calls, ["primary", "fallback", "undo fallback"])
    }).pipe(Effect.provide(orchestrator()))
  )

  it.effect(
    "a circuit breaker opens after N failures, fails fast to the fallback, and half-opens after the cool-down",
    () =>
      Effect.gen(function* () {
        let primaryCalls = 0
        let primaryHealthy = false
        const guarded = Saga.make({
          name: "guarded",
          context: Count,
          steps: [
            {
              name: "primary",
              circuitBreaker: { maxFailures: 2, resetAfter: "1 minute" },
              action: () =>
                Effect.suspend(() => {
                  primaryCalls++
                  return primaryHealthy
                    ? Effect.succeed({ n: 1 })
                    : Effect.fail(new Boom({ step: "primary" }))
                }),
              fallback: { name: "backup", action: () => Effect.succeed({ n: 2 }) }
            }
          ]
        })
        const run = SagaOrchestrator.execute(guarded, { n: 0 }).pipe(Effect.map((r) => r.context.n))
        assert.deepStrictEqual([yield* run, yield* run], [2, 2])
        assert.strictEqual(primaryCalls, 2)
        // Open: the primary is not called.
        assert.deepStrictEqual([yield* run, yield* run], [2, 2])
        assert.strictEqual(primaryCalls, 2)
        // Half-open after the cool-down: one trial; it fails, so the breaker opens again.
        yield* TestClock.adjust("1 minute")
        assert.strictEqual(yield* run, 2)
        assert.strictEqual(primaryCalls, 3)
        assert.strictEqual(yield* run, 2)
        assert.strictEqual(primaryCalls, 3)
        // The next trial succeeds and closes it.
        primaryHealthy = true
        yield* TestClock.adjust("1 minute")
        assert.deepStrictEqual([yield* run, yield* run], [1, 1])
        assert.strictEqual(primaryCalls, 5)
      }).pipe(Effect.provide(orchestrator()))
  )
})
