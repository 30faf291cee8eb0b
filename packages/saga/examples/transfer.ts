import { Saga, SagaOrchestrator } from "@cello/saga"
import { MemorySagaStore } from "@cello/store-memory/saga"
import { Context, Effect, Layer, Ref, Schema } from "effect"

// The bank the steps call (here a Ref of balances; in an app, your aggregates or services).
class Bank extends Context.Service<Bank, Ref.Ref<Record<string, number>>>()("example/Bank") {
  static readonly layer = Layer.effect(Bank, Ref.make<Record<string, number>>({ alice: 100, bob: 0 }))
}
class NoSuchAccount extends Schema.TaggedError<NoSuchAccount>()("NoSuchAccount", {
  account: Schema.String
}) {}

const move = (account: string, amount: number) =>
  Effect.gen(function* () {
    const bank = yield* Bank
    const balances = yield* Ref.get(bank)
    const balance = balances[account]
    if (balance === undefined) return yield* new NoSuchAccount({ account })
    yield* Ref.set(bank, { ...balances, [account]: balance + amount })
  })

// The context is a Schema: it is stored after every step and restored by crash recovery.
const Transfer = Schema.Struct({ from: Schema.String, to: Schema.String, amount: Schema.Number })

export const TransferSaga = Saga.make({
  name: "transfer",
  context: Transfer,
  steps: [
    {
      name: "withdraw",
      action: (t) => Effect.as(move(t.from, -t.amount), t),
      compensate: (t) => move(t.from, t.amount)
    },
    // An unknown account does not appear by retrying: `NoSuchAccount` is not a transient failure, so
    // it is not retried (conflicts, outages and timeouts are, up to SagaConfig's 3 times).
    { name: "deposit", action: (t) => Effect.as(move(t.to, t.amount), t) }
  ]
})

export const program = Effect.gen(function* () {
  const ok = yield* SagaOrchestrator.execute(TransferSaga, { from: "alice", to: "bob", amount: 30 })
  const refunded = yield* SagaOrchestrator.execute(TransferSaga, { from: "alice", to: "carol", amount: 50 })
  return {
    ok: ok.status,
    refunded: [refunded.status, refunded.failedStep, refunded.compensatedSteps],
    balances: yield* Ref.get(yield* Bank)
  }
})

// Registered sagas can be recovered after a crash; their steps' services come with the layer.
export const AppLayer = SagaOrchestrator.layer({ sagas: [TransferSaga] }).pipe(
  Layer.provide(MemorySagaStore.layer),
  Layer.provideMerge(Bank.layer)
)

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program.pipe(Effect.provide(AppLayer))).then(console.log)
  // → { ok: 'completed',
  //     refunded: [ 'compensated', 'deposit', [ 'withdraw' ] ],
  //     balances: { alice: 70, bob: 30 } }
}
