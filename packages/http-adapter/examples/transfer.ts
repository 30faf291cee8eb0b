import { CommandBus, QueryBus } from "@cello/cqrs"
import { HttpAdapter } from "@cello/http-adapter"
import { Saga, SagaOrchestrator } from "@cello/saga"
import { MemorySagaStore } from "@cello/store-memory/saga"
import { Context, Effect, Layer, Ref, Schema } from "effect"

// A service the saga's step uses (in an app: your aggregates, a payment API...).
class Ledger extends Context.Service<Ledger, Ref.Ref<ReadonlyArray<string>>>()("example/Ledger") {
  static readonly layer = Layer.effect(Ledger, Ref.make<ReadonlyArray<string>>([]))
}

export const TransferSaga = Saga.make({
  name: "transfer",
  context: Schema.Struct({ from: Schema.String, to: Schema.String, amount: Schema.Number }),
  steps: [
    {
      name: "record",
      action: (t) =>
        Effect.gen(function* () {
          yield* Ref.update(yield* Ledger, (lines) => [...lines, `${t.from} → ${t.to}: ${t.amount}`])
          return t
        })
    }
  ]
})

// Saga routes need the orchestrator and the saga's services. Naming the services replaces the
// default (`CommandBus | QueryBus`, which `make` needs too), so name the buses as well.
export const Routes = HttpAdapter.make<
  CommandBus.CommandBus | QueryBus.QueryBus | SagaOrchestrator.SagaOrchestrator | Ledger
>({
  title: "Transfers",
  routes: [
    HttpAdapter.saga(TransferSaga, { path: "/transfers" }),
    HttpAdapter.sagaStatus({ path: "/sagas/:id" })
  ]
})

export const App = Routes.pipe(
  Layer.provide(Layer.mergeAll(CommandBus.layer(), QueryBus.layer())),
  Layer.provide(SagaOrchestrator.layer({ sagas: [TransferSaga] }).pipe(Layer.provide(MemorySagaStore.layer))),
  Layer.provideMerge(Ledger.layer)
)
// POST /transfers {"from":"alice","to":"bob","amount":30} → 201 { sagaId, status: "completed", ... }
// GET /sagas/<sagaId> → 200, the same body
