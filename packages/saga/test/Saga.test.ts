import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Metric } from "effect"
import { Metrics, Saga, SagaConfig, SagaOrchestrator } from "../src/index.js"
import { fourSteps, makeWorld, orchestrator } from "./fixtures.js"

describe("Saga.toMermaid", () => {
  it("draws the steps forward, the fallback and the compensations in reverse", () => {
    const world = makeWorld()
    const base = fourSteps(world)
    const saga = Saga.make({
      name: "order",
      context: base.context,
      steps: [
        ...base.steps.slice(0, 2),
        {
          name: "ship",
          action: (c) => Effect.succeed(c),
          fallback: { name: "ship-later", action: (c) => Effect.succeed(c) }
        }
      ]
    })
    assert.strictEqual(
      Saga.toMermaid(saga),
      [
        "flowchart TD",
        '  start(["order"])',
        "  start --> s0",
        '  s0["s1"]',
        "  s0 -->|ok| s1",
        "  s0 -->|fails| failed",
        '  s1["s2"]',
        "  s1 -->|ok| s2",
        "  s1 -->|fails| c0",
        '  s2["ship"]',
        "  s2 -->|ok| completed",
        '  s2 -.->|fails| f2["ship-later (fallback)"]',
        "  f2 -->|ok| completed",
        "  f2 -->|fails| c1",
        '  c0["compensate s1"]',
        "  c0 --> compensated",
        '  c1["compensate s2"]',
        "  c1 --> c0",
        "  completed([completed])",
        "  failed([failed])",
        "  compensated([compensated])"
      ].join("\n")
    )
  })
})

describe("SagaConfig", () => {
  it.effect("seed defaults, overrides from code, and from the environment", () =>
    Effect.gen(function* () {
      const defaults = yield* SagaConfig.SagaConfig
      assert.strictEqual(defaults.maxRetries, 3)
      assert.isTrue(Duration.equals(defaults.retryDelay, Duration.seconds(5)))
      assert.isTrue(Duration.equals(defaults.timeout, Duration.minutes(5)))
      const fromEnv = yield* SagaConfig.SagaConfig.pipe(
        Effect.provide(SagaConfig.layerConfig()),
        Effect.provide(
          ConfigProvider.layer(
            ConfigProvider.fromEnv({ env: { CELLO_SAGA_MAX_RETRIES: "5", CELLO_SAGA_TIMEOUT: "30 seconds" } })
          )
        )
      )
      assert.strictEqual(fromEnv.maxRetries, 5)
      assert.isTrue(Duration.equals(fromEnv.timeout, Duration.seconds(30)))
      assert.isTrue(Duration.equals(fromEnv.retryDelay, Duration.seconds(5)))
      const invalid = yield* Effect.flip(SagaConfig.make({ maxRetries: -1 }))
      assert.strictEqual(invalid.message, "invalid saga setting maxRetries: -1 is not an integer >= 0")
    })
  )

  it.effect("compensation retries: defaults, from the environment, and a zero delay refused", () =>
    Effect.gen(function* () {
      const defaults = yield* SagaConfig.SagaConfig
      assert.isTrue(Duration.equals(defaults.compensationRetryDelay, Duration.millis(100)))
      assert.isTrue(Duration.equals(defaults.compensationMaxDelay, Duration.minutes(1)))
      assert.isTrue(Duration.equals(defaults.compensationRetryFor, Duration.hours(24)))
      const fromEnv = yield* SagaConfig.SagaConfig.pipe(
        Effect.provide(SagaConfig.layerConfig()),
        Effect.provide(
          ConfigProvider.layer(
            ConfigProvider.fromEnv({
              env: {
                CELLO_SAGA_COMPENSATION_RETRY_DELAY: "1 second",
                CELLO_SAGA_COMPENSATION_MAX_DELAY: "5 minutes",
                CELLO_SAGA_COMPENSATION_RETRY_FOR: "7 days"
              }
            })
          )
        )
      )
      assert.isTrue(Duration.equals(fromEnv.compensationRetryDelay, Duration.seconds(1)))
      assert.isTrue(Duration.equals(fromEnv.compensationMaxDelay, Duration.minutes(5)))
      assert.isTrue(Duration.equals(fromEnv.compensationRetryFor, Duration.days(7)))
      const zero = yield* Effect.flip(SagaConfig.make({ compensationRetryDelay: "0 millis" }))
      assert.strictEqual(zero.message, "invalid saga setting compensationRetryDelay: 0 is not positive")
    })
  )
})

describe("metrics", () => {
  it.effect("count executions, step completions and compensations by saga name", () =>
    Effect.gen(function* () {
      const world = makeWorld()
      const saga = fourSteps(world, "metered")
      yield* SagaOrchestrator.execute(saga, { done: [], failAt: 0 })
      yield* SagaOrchestrator.execute(saga, { done: [], failAt: 3 })
      const value = (
        metric: Metric.Metric<number, Metric.CounterState<number>>,
        attributes: Record<string, string>
      ) => Effect.map(Metric.value(Metric.withAttributes(metric, attributes)), (s) => s.count)
      assert.strictEqual(yield* value(Metrics.executions, { saga: "metered" }), 2)
      assert.strictEqual(yield* value(Metrics.stepCompletions, { saga: "metered", step: "s1" }), 2)
      assert.strictEqual(yield* value(Metrics.compensations, { saga: "metered", step: "s2" }), 1)
      assert.strictEqual(yield* value(Metrics.finished, { saga: "metered", status: "compensated" }), 1)
    }).pipe(Effect.provide(orchestrator()))
  )
})
