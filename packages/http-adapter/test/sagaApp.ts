import { Saga, SagaOrchestrator } from "@cello/saga"
import { MemorySagaStore } from "@cello/store-memory"
import { Context, Effect, Layer, Ref, Schema } from "effect"
import { HttpAdapter } from "../src/index.js"

/** A money transfer (as in the saga package's example): an unknown account compensates the withdrawal. */
export class Bank extends Context.Service<Bank, Ref.Ref<Record<string, number>>>()("test/Bank") {
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
    { name: "deposit", action: (t) => Effect.as(move(t.to, t.amount), t), retry: { maxRetries: 0 } }
  ]
})

const sagaRoutes = (devPages: boolean) =>
  HttpAdapter.make<SagaOrchestrator.SagaOrchestrator | Bank>({
    devPages,
    routes: [
      HttpAdapter.saga(TransferSaga, { path: "/transfers" }),
      // The source account from the path: the mapper builds the context input.
      HttpAdapter.saga(TransferSaga, {
        path: "/accounts/:from/transfers",
        context: ({ params, body }) => ({ ...(typeof body === "object" ? body : {}), from: params.from })
      }),
      HttpAdapter.sagaStatus({ path: "/sagas/:id" })
    ]
  })

/** The transfer routes over the memory saga store (exposed, so the dev pages can read it too). */
export const sagaApp = (devPages = false) =>
  sagaRoutes(devPages).pipe(
    Layer.provide(SagaOrchestrator.layer({ sagas: [TransferSaga] })),
    Layer.provideMerge(Layer.merge(MemorySagaStore.layer, Bank.layer))
  )

export const ServedSagas = HttpAdapter.serve(sagaApp(), { host: "127.0.0.1", port: 0 })
