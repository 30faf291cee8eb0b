/**
 * The bank's read side over the `QueryBus`: accounts and transactions from their read models, an
 * account's history from its event stream, transfers from the saga store.
 */
import { Query, QueryBus } from "@cello/cqrs"
import { EventStore } from "@cello/eventsourcing"
import { SagaOrchestrator } from "@cello/saga"
import { Effect, Layer, Option, Schema } from "effect"
import { EventView, eventView, Id } from "../schemas.js"
import { Account } from "./account.js"
import { Accounts, AccountView, Transactions, TransactionView } from "./readModels.js"
import { TransferSaga, TransferView, transferView } from "./transferSaga.js"

export class AccountNotFound extends Schema.TaggedError<AccountNotFound>()("AccountNotFound", {
  account_id: Schema.String
}) {
  override get message(): string {
    return "Account not found"
  }
}

export class SagaExecutionNotFound extends Schema.TaggedError<SagaExecutionNotFound>()(
  "SagaExecutionNotFound",
  {
    saga_id: Schema.String
  }
) {
  override get message(): string {
    return "Saga not found"
  }
}

export const ListAccounts = Query.make("ListAccounts", {
  payload: {},
  success: Schema.Struct({ accounts: Schema.Array(AccountView), count: Schema.Int })
})

export const GetAccount = Query.make("GetAccount", {
  payload: { account_id: Id },
  success: AccountView,
  failure: AccountNotFound
})

export const AccountHistory = Query.make("AccountHistory", {
  payload: { account_id: Id },
  success: Schema.Struct({ account_id: Schema.String, events: Schema.Array(EventView), version: Schema.Int }),
  failure: AccountNotFound
})

const Limit = Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 1000 }))

export const ListTransactions = Query.make("ListTransactions", {
  payload: { limit: Schema.optionalKey(Limit), account_id: Schema.optionalKey(Id) },
  success: Schema.Struct({ transactions: Schema.Array(TransactionView), total: Schema.Int })
})

export const ListSagas = Query.make("ListSagas", {
  payload: {},
  success: Schema.Struct({ sagas: Schema.Array(TransferView), count: Schema.Int })
})

export const GetSaga = Query.make("GetSaga", {
  payload: { saga_id: Id },
  success: TransferView,
  failure: SagaExecutionNotFound
})

export const definitions = [
  ListAccounts,
  GetAccount,
  AccountHistory,
  ListTransactions,
  ListSagas,
  GetSaga
] as const

const byOpening = { orderBy: [{ field: "opened_at", direction: "asc" as const }] }

export const handlers = Layer.mergeAll(
  QueryBus.handler(ListAccounts, () =>
    Effect.map(Accounts.list(byOpening), (rows) => ({
      accounts: rows.map((row) => row.document),
      count: rows.length
    }))
  ),
  QueryBus.handler(GetAccount, ({ account_id }) =>
    Effect.flatMap(Accounts.get(account_id), (found) =>
      Option.isSome(found) ? Effect.succeed(found.value) : Effect.fail(new AccountNotFound({ account_id }))
    )
  ),
  QueryBus.handler(AccountHistory, ({ account_id }) =>
    Effect.gen(function* () {
      const envelopes = yield* EventStore.readStream(Account.streamId(account_id)).pipe(
        Effect.catchTag("StreamNotFound", () => Effect.succeed([]))
      )
      if (envelopes.length === 0) return yield* new AccountNotFound({ account_id })
      const events = yield* Effect.forEach(envelopes, (envelope) => eventView(account_id, envelope))
      return { account_id, events, version: events.length }
    })
  ),
  QueryBus.handler(ListTransactions, ({ limit, account_id }) =>
    Effect.gen(function* () {
      const where =
        account_id === undefined ? [] : [{ field: "account_id", op: "eq" as const, value: account_id }]
      // The newest `limit` ones, shown oldest first as the seed's `txns[-limit:]` did.
      const newest = yield* Transactions.list({
        where,
        orderBy: [{ field: "position", direction: "desc" }],
        limit: limit ?? 50
      })
      return {
        transactions: newest.map((row) => row.document).reverse(),
        total: yield* Transactions.count(where)
      }
    })
  ),
  QueryBus.handler(ListSagas, () =>
    Effect.gen(function* () {
      const records = yield* SagaOrchestrator.list({ name: TransferSaga.name, limit: 1000 })
      const executions = yield* Effect.forEach(records, (record) => SagaOrchestrator.status(record.id))
      const sagas = executions.flatMap((execution) => Option.toArray(transferView(execution)))
      return { sagas, count: sagas.length }
    })
  ),
  QueryBus.handler(GetSaga, ({ saga_id }) =>
    SagaOrchestrator.status(saga_id).pipe(
      Effect.map(transferView),
      Effect.catchTag("SagaNotFound", () => Effect.succeedNone),
      Effect.flatMap((view) =>
        Option.isSome(view) ? Effect.succeed(view.value) : Effect.fail(new SagaExecutionNotFound({ saga_id }))
      )
    )
  )
)
