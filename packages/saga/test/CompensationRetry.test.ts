/**
 * Compensations have their own retry policy and never just give up: transient failures are retried
 * with backoff up to a long bound; `compensation_failed` (reached only by a failure not to retry, or
 * past the bound) is counted, logged at Error level, and taken up again by an operator
 * (`retryCompensation`) or by recovery (`retryFailedCompensations`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Logger, Metric, References, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Metrics, Saga, SagaConfig, SagaOrchestrator, SagaStore } from "../src/index.js"
import { Boom, fourSteps, Glitch, makeWorld, orchestrator } from "./fixtures.js"

const Transfer = Schema.Struct({ amount: Schema.Number })

/**
 * withdraw (run once: `maxRetries: 0`), then a deposit that always fails. The withdrawal's
 * compensation fails `transientFailures` times with a transient error, then `permanent` ones (a
 * failure not to retry) while `state.broken`, then succeeds.
 */
interface TransferState {
  balance: number
  refunds: number
  /** Each compensation attempt's number and time. */
  readonly attempts: Array<number>
  readonly at: Array<number>
  /** While true, the refund fails with a failure not to retry. */
  broken: boolean
  /** What the compensation was told about why the saga compensates. */
  failure: string | undefined
}

const transferWorld = (transientFailures: number) => {
  const state: TransferState = {
    balance: 100,
    refunds: 0,
    attempts: [],
    at: [],
    broken: false,
    failure: undefined
  }
  const saga = Saga.make({
    name: "transfer",
    context: Transfer,
    steps: [
      {
        name: "withdraw",
        retry: { maxRetries: 0 },
        action: (t) =>
          Effect.sync(() => {
            state.balance -= t.amount
            return t
          }),
        compensate: (t, info) =>
          Effect.gen(function* () {
            state.attempts.push(info.attempt)
            state.failure = info.failure
            state.at.push(yield* Clock.currentTimeMillis)
            if (state.attempts.length <= transientFailures) return yield* new Glitch({ step: "refund" })
            if (state.broken) return yield* new Boom({ step: "refund" })
            state.balance += t.amount
            state.refunds++
          })
      },
      { name: "deposit", retry: { maxRetries: 0 }, action: () => Effect.fail(new Boom({ step: "deposit" })) }
    ]
  })
  return { state, saga }
}

const failedCount = (saga: string, step: string) =>
  Effect.map(
    Metric.value(Metric.withAttributes(Metrics.compensationFailures, { saga, step })),
    (s) => s.count
  )

/** Collects Error-level log lines with their annotations. */
const errorLogs = () => {
  const lines: Array<{ readonly message: string; readonly sagaId: unknown }> = []
  const layer = Logger.layer([
    Logger.make(({ logLevel, message, fiber }) => {
      if (logLevel !== "Error") return
      const annotations = fiber.getRef(References.CurrentLogAnnotations)
      lines.push({
        message: Array.isArray(message) ? message.join(" ") : String(message),
        sagaId: annotations.sagaId
      })
    })
  ])
  return { lines, layer }
}

describe("compensation retries (TestClock)", () => {
  it.effect(
    "a compensation failing transiently N times, then succeeding, ends compensated (forward maxRetries 0)",
    () =>
      Effect.gen(function* () {
        const { state, saga } = transferWorld(6)
        const fiber = yield* Effect.forkChild(SagaOrchestrator.execute(saga, { amount: 30 }))
        for (let i = 0; i < 30; i++) yield* TestClock.adjust("1 second")
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "compensated")
        assert.deepStrictEqual(result.compensatedSteps, ["withdraw"])
        assert.deepStrictEqual(state.attempts, [1, 2, 3, 4, 5, 6, 7])
        // A compensation is told why the saga compensates.
        assert.strictEqual(state.failure, "Boom: deposit failed")
        assert.strictEqual(state.balance, 100)
        assert.strictEqual(state.refunds, 1)
        // Exponential from 100 ms with ×0.8–1.2 jitter: each wait about doubles.
        const waits = state.at.slice(1).map((t, i) => t - (state.at[i] ?? 0))
        for (const [i, w] of waits.entries())
          assert.isTrue(w >= 80 * 2 ** i && w <= 120 * 2 ** i + 1000, `wait ${i}: ${w}`)
        const log = (yield* SagaOrchestrator.status(result.sagaId)).log.filter(
          (e) => e.phase === "compensate"
        )
        assert.deepStrictEqual(
          log.map((e) => `${e.status}#${e.attempt}`),
          [1, 2, 3, 4, 5, 6]
            .flatMap((n) => [`started#${n}`, `failed#${n}`])
            .concat(["started#7", "completed#7"])
        )
      }).pipe(Effect.provide(orchestrator("t", SagaConfig.layer({ maxRetries: 0 }))))
  )

  it.effect(
    "transient failures past compensationRetryFor end compensation_failed, counted and logged at Error",
    () => {
      const logs = errorLogs()
      return Effect.gen(function* () {
        const { state, saga } = transferWorld(Number.POSITIVE_INFINITY)
        const before = yield* failedCount("transfer", "withdraw")
        const fiber = yield* Effect.forkChild(SagaOrchestrator.execute(saga, { amount: 30 }))
        for (let i = 0; i < 15; i++) yield* TestClock.adjust("1 minute")
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "compensation_failed")
        assert.strictEqual(result.compensationFailedStep, "withdraw")
        assert.strictEqual(
          result.compensationError,
          "Glitch: refund glitched (still failing after retrying for 10m)"
        )
        // 100 ms doubling, capped at 1 minute: well more than a handful of attempts, all within 10 minutes.
        assert.isTrue(state.attempts.length > 10)
        assert.isTrue((state.at.at(-1) ?? 0) <= 10 * 60_000)
        assert.strictEqual((yield* failedCount("transfer", "withdraw")) - before, 1)
        assert.deepStrictEqual(
          logs.lines.map((l) => l.sagaId),
          [result.sagaId]
        )
        assert.include(logs.lines[0]?.message ?? "", `saga ${result.sagaId}`)
      }).pipe(
        Effect.provide(
          orchestrator(
            "t",
            SagaConfig.layer({
              maxRetries: 0,
              compensationRetryFor: "10 minutes",
              compensationMaxDelay: "1 minute"
            })
          )
        ),
        Effect.provide(logs.layer)
      )
    }
  )

  it.effect("a failure not to retry ends compensation_failed at once; an operator retry completes it", () =>
    Effect.gen(function* () {
      const { state, saga } = transferWorld(0)
      state.broken = true
      const failed = yield* SagaOrchestrator.execute(saga, { amount: 30 })
      assert.strictEqual(failed.status, "compensation_failed")
      assert.strictEqual(failed.compensationError, "Boom: refund failed")
      assert.deepStrictEqual(state.attempts, [1])
      assert.strictEqual(yield* Clock.currentTimeMillis, 0)
      assert.strictEqual(state.balance, 70)

      state.broken = false
      const retried = yield* SagaOrchestrator.retryCompensation(failed.sagaId)
      assert.strictEqual(retried.status, "compensated")
      assert.deepStrictEqual(retried.compensatedSteps, ["withdraw"])
      assert.strictEqual(retried.compensationFailedStep, undefined)
      assert.strictEqual(state.balance, 100)
      const stored = yield* SagaOrchestrator.status(failed.sagaId)
      assert.strictEqual(stored.status, "compensated")
      assert.strictEqual(stored.compensationFailedStep, undefined)
      assert.strictEqual(stored.owner, undefined)
      // The history stays: the failed attempt, then the retry's (numbered on).
      assert.deepStrictEqual(
        stored.log.filter((e) => e.phase === "compensate").map((e) => `${e.status}#${e.attempt}`),
        ["started#1", "failed#1", "started#2", "completed#2"]
      )
      // Only a compensation_failed saga can be retried.
      const refused = yield* Effect.flip(SagaOrchestrator.retryCompensation(failed.sagaId))
      assert.strictEqual(refused._tag, "CompensationNotRetryable")
      assert.strictEqual(
        refused.message,
        `saga "${failed.sagaId}" is compensated, not compensation_failed: there is no compensation to retry`
      )
      assert.strictEqual(
        (yield* Effect.flip(SagaOrchestrator.retryCompensation("nope")))._tag,
        "SagaNotFound"
      )
    }).pipe(Effect.provide(orchestrator()))
  )

  it.effect("an operator retry runs only the compensations not completed, newest first", () =>
    Effect.gen(function* () {
      const world = makeWorld()
      world.failing.add("undo:s3")
      world.failing.add("undo:s2")
      const saga = fourSteps(world)
      const failed = yield* SagaOrchestrator.execute(saga, { done: [], failAt: 4 })
      assert.strictEqual(failed.status, "compensation_failed")
      assert.strictEqual(failed.compensationFailedStep, "s3")
      assert.deepStrictEqual(failed.compensatedSteps, ["s1"])
      world.failing.clear()
      world.calls.length = 0
      const retried = yield* SagaOrchestrator.retryCompensation(failed.sagaId)
      assert.strictEqual(retried.status, "compensated")
      assert.deepStrictEqual(world.calls, ["undo:s3", "undo:s2"])
      assert.deepStrictEqual(retried.compensatedSteps, ["s1", "s3", "s2"])
    }).pipe(Effect.provide(orchestrator()))
  )

  it.effect("a saga whose definition this orchestrator does not know is refused", () =>
    Effect.gen(function* () {
      const { state, saga } = transferWorld(0)
      state.broken = true
      const failed = yield* SagaOrchestrator.execute(saga, { amount: 30 })
      const stranger = yield* SagaOrchestrator.make({ owner: "stranger" })
      const refused = yield* Effect.flip(stranger.retryCompensation(failed.sagaId))
      assert.strictEqual(refused._tag, "SagaDefinitionUnknown")
    }).pipe(Effect.provide(orchestrator()))
  )
})

describe("compensation_failed is taken up again", () => {
  it.effect("by recovery, with retryFailedCompensations (not without)", () =>
    Effect.gen(function* () {
      const { state, saga } = transferWorld(0)
      state.broken = true
      const failed = yield* SagaOrchestrator.execute(saga, { amount: 30 })
      state.broken = false
      const plain = yield* SagaOrchestrator.make({ owner: "plain", sagas: [saga] })
      assert.deepStrictEqual((yield* plain.recover).recovered, [])
      const sweeper = yield* SagaOrchestrator.make({
        owner: "sweeper",
        sagas: [saga],
        retryFailedCompensations: true
      })
      const report = yield* sweeper.recover
      assert.deepStrictEqual(
        report.recovered.map((r) => [r.sagaId, r.status]),
        [[failed.sagaId, "compensated"]]
      )
      assert.strictEqual(state.balance, 100)
      // Nothing left to take up.
      assert.deepStrictEqual((yield* sweeper.recover).recovered, [])
    }).pipe(Effect.provide(orchestrator()))
  )

  it.effect("by any instance's recovery after the store reopened it with no owner (what the CLI does)", () =>
    Effect.gen(function* () {
      const { state, saga } = transferWorld(0)
      state.broken = true
      const failed = yield* SagaOrchestrator.execute(saga, { amount: 30 })
      state.broken = false
      const store = yield* SagaStore.SagaStore
      const reopened = yield* store.reopen(failed.sagaId, undefined)
      assert.strictEqual(reopened._tag, "Some")
      const other = yield* SagaOrchestrator.make({ owner: "other", sagas: [saga] })
      const report = yield* other.recover
      assert.deepStrictEqual(
        report.recovered.map((r) => r.status),
        ["compensated"]
      )
      assert.strictEqual(state.balance, 100)
    }).pipe(Effect.provide(orchestrator()))
  )
})

describe("forward retries", () => {
  const config = SagaConfig.layer({ maxRetries: 3, retryDelay: "5 seconds" })
  const once = (failure: () => unknown, retryOn?: (error: unknown) => boolean) => {
    const state = { calls: 0 }
    const saga = Saga.make({
      name: "lend",
      context: Transfer,
      steps: [
        {
          name: "lend",
          ...(retryOn === undefined ? {} : { retry: { retryOn } }),
          action: () =>
            Effect.suspend(() => {
              state.calls++
              return Effect.fail(failure())
            })
        }
      ]
    })
    return { state, saga }
  }

  it.effect("a typed domain failure is not retried: it fails at once, the clock never moves", () =>
    Effect.gen(function* () {
      const { state, saga } = once(() => new Boom({ step: "already lent" }))
      const result = yield* SagaOrchestrator.execute(saga, { amount: 1 })
      assert.strictEqual(result.status, "failed")
      assert.strictEqual(result.error, "Boom: already lent failed")
      assert.strictEqual(state.calls, 1)
      assert.strictEqual(yield* Clock.currentTimeMillis, 0)
    }).pipe(Effect.provide(orchestrator("t", config)))
  )

  it.effect("a transient failure is retried (maxRetries times, 5 s doubling)", () =>
    Effect.gen(function* () {
      const { state, saga } = once(() => new Glitch({ step: "lend" }))
      const fiber = yield* Effect.forkChild(SagaOrchestrator.execute(saga, { amount: 1 }))
      yield* TestClock.adjust("35 seconds")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.status, "failed")
      assert.strictEqual(state.calls, 4)
    }).pipe(Effect.provide(orchestrator("t", config)))
  )

  it.effect("retryOn lets a step choose: here it retries the domain failure too", () =>
    Effect.gen(function* () {
      const { state, saga } = once(
        () => new Boom({ step: "lend" }),
        () => true
      )
      const fiber = yield* Effect.forkChild(SagaOrchestrator.execute(saga, { amount: 1 }))
      yield* TestClock.adjust("35 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(state.calls, 4)
    }).pipe(Effect.provide(orchestrator("t", config)))
  )
})
