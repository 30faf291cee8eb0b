import { Saga, SagaConfig, SagaOrchestrator } from "@cello/saga"
import { MemorySagaStore } from "@cello/store-memory/saga"
import { assert, it } from "@effect/vitest"
import { Effect, Layer, Ref, Schema } from "effect"

// A gateway timeout marks itself transient, so the step is retried (a declined card would not be).
class GatewayTimeout extends Schema.TaggedError<GatewayTimeout>()("GatewayTimeout", {
  transient: Schema.Literal(true)
}) {}

// A payment API that times out on the first call.
const makeCharge = (calls: Ref.Ref<number>) =>
  Saga.make({
    name: "charge",
    context: Schema.Struct({ amount: Schema.Number }),
    steps: [
      {
        name: "charge-card",
        action: (c) =>
          Effect.flatMap(
            Ref.updateAndGet(calls, (n) => n + 1),
            (n) => (n === 1 ? Effect.fail(new GatewayTimeout({ transient: true })) : Effect.succeed(c))
          )
      }
    ]
  })

it.effect("under it.effect (a TestClock), retries need no waiting with retryDelay: 0", () =>
  Effect.gen(function* () {
    const calls = yield* Ref.make(0)
    const Charge = makeCharge(calls)
    const result = yield* SagaOrchestrator.execute(Charge, { amount: 10 }).pipe(
      Effect.provide(
        SagaOrchestrator.layer({ sagas: [Charge] }).pipe(
          Layer.provide(MemorySagaStore.layer),
          // The one line: the default retry delay (5 seconds) would wait on the TestClock forever.
          Layer.provide(SagaConfig.layer({ retryDelay: 0 }))
        )
      )
    )
    assert.strictEqual(result.status, "completed")
    assert.strictEqual(yield* Ref.get(calls), 2)
  })
)
