import { MemoryStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Ref, Schema } from "effect"
import { Command, CommandBus, Middleware } from "../src/index.js"
import { OrderRejected } from "./fixtures.js"

const Charge = Command.make("Charge", {
  payload: { amount: Schema.Number },
  success: Schema.Struct({ chargeId: Schema.String, at: Schema.Number }),
  failure: OrderRejected
})

const withBus = (
  runs: Ref.Ref<number>,
  behaviour: (amount: number, run: number) => Effect.Effect<{ chargeId: string; at: number }, OrderRejected>
) =>
  CommandBus.handler(Charge, ({ amount }) =>
    Effect.flatMap(
      Ref.updateAndGet(runs, (n) => n + 1),
      (run) => behaviour(amount, run)
    )
  ).pipe(
    Layer.provideMerge(CommandBus.layer({ middleware: [Middleware.idempotency(), ...Middleware.defaults] })),
    Layer.provideMerge(MemoryStore.layer)
  )

describe("idempotency middleware", () => {
  it.live("a repeated key returns the first outcome without running again, even concurrently", () =>
    Effect.gen(function* () {
      const runs = yield* Ref.make(0)
      const layer = withBus(runs, (amount, run) =>
        Effect.sleep("20 millis").pipe(Effect.as({ chargeId: `ch-${amount}`, at: run }))
      )
      const results = yield* Effect.all(
        Array.from({ length: 5 }, () =>
          CommandBus.dispatch(Charge, { amount: 10 }, { idempotencyKey: "k-1" })
        ),
        { concurrency: "unbounded" }
      ).pipe(Effect.provide(layer))
      assert.strictEqual(yield* Ref.get(runs), 1)
      for (const r of results) assert.deepStrictEqual(r, { chargeId: "ch-10", at: 1 })
    })
  )

  it.effect("a declared failure is replayed too; other keys and no key run normally", () =>
    Effect.gen(function* () {
      const runs = yield* Ref.make(0)
      const layer = withBus(runs, (amount, run) =>
        amount > 100
          ? Effect.fail(new OrderRejected({ reason: "over limit" }))
          : Effect.succeed({ chargeId: "c", at: run })
      )
      yield* Effect.gen(function* () {
        const first = yield* Effect.flip(
          CommandBus.dispatch(Charge, { amount: 500 }, { idempotencyKey: "big" })
        )
        const again = yield* Effect.flip(
          CommandBus.dispatch(Charge, { amount: 500 }, { idempotencyKey: "big" })
        )
        assert.deepStrictEqual(again, first)
        assert.instanceOf(again, OrderRejected)
        yield* CommandBus.dispatch(Charge, { amount: 1 }, { idempotencyKey: "other" })
        yield* CommandBus.dispatch(Charge, { amount: 1 })
        yield* CommandBus.dispatch(Charge, { amount: 1 })
      }).pipe(Effect.provide(layer))
      assert.strictEqual(yield* Ref.get(runs), 4)
    })
  )

  it.effect("a defect releases the key: the command may run again", () =>
    Effect.gen(function* () {
      const runs = yield* Ref.make(0)
      const layer = withBus(runs, (_, run) =>
        run === 1 ? Effect.die(new Error("crash")) : Effect.succeed({ chargeId: "c", at: run })
      )
      const outcome = yield* Effect.gen(function* () {
        yield* Effect.exit(CommandBus.dispatch(Charge, { amount: 1 }, { idempotencyKey: "k" }))
        return yield* CommandBus.dispatch(Charge, { amount: 1 }, { idempotencyKey: "k" })
      }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(outcome, { chargeId: "c", at: 2 })
    })
  )
})
