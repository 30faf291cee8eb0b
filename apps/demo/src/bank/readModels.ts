/**
 * The bank's read side: typed read models kept up to date by inline projections (in the same
 * append, so a read after a write sees it; on PostgreSQL in the same transaction).
 */
import { ReadModel } from "@cello/cqrs"
import { Projection } from "@cello/eventsourcing"
import { Schema } from "effect"
import { Rounded } from "../money.js"
import { epochSeconds, idOf } from "../schemas.js"
import { AccountClosed, AccountOpenedType, MoneyDepositedType, MoneyWithdrawnType } from "./events.js"

export const AccountView = Schema.Struct({
  id: Schema.String,
  owner: Schema.String,
  balance: Rounded,
  status: Schema.Literals(["active", "closed"]),
  opened_at: Schema.Number
})
export type AccountView = typeof AccountView.Type

export const Accounts = ReadModel.make({ name: "bank_accounts", schema: AccountView, indexes: ["opened_at"] })

export const TransactionView = Schema.Struct({
  id: Schema.String,
  account_id: Schema.String,
  type: Schema.Literals(["deposit", "withdrawal"]),
  amount: Rounded,
  timestamp: Schema.Number,
  /** The event's global position: the order transactions happened in. */
  position: Schema.Number
})
export type TransactionView = typeof TransactionView.Type

export const Transactions = ReadModel.make({
  name: "bank_transactions",
  schema: TransactionView,
  indexes: ["account_id", "position"]
})

const changeBalance = (id: string, delta: number) =>
  Accounts.update(id, (current) =>
    current._tag === "Some"
      ? { ...current.value, balance: current.value.balance + delta }
      : // Only an opened account has events; this keeps the handler total all the same.
        { id, owner: "", balance: delta, status: "active", opened_at: 0 }
  )

export const accountsProjection = Projection.make({
  name: "bank-accounts",
  events: [AccountOpenedType, MoneyDepositedType, MoneyWithdrawnType, AccountClosed],
  handlers: {
    AccountOpened: (e, envelope) => {
      const id = idOf("Account", envelope)
      return Accounts.put(id, {
        id,
        owner: e.owner,
        balance: e.initial_balance,
        status: "active",
        opened_at: epochSeconds(envelope.timestamp)
      })
    },
    MoneyDeposited: (e, envelope) => changeBalance(idOf("Account", envelope), e.amount),
    MoneyWithdrawn: (e, envelope) => changeBalance(idOf("Account", envelope), -e.amount),
    AccountClosed: (_, envelope) =>
      Accounts.update(idOf("Account", envelope), (current) =>
        current._tag === "Some"
          ? { ...current.value, status: "closed" }
          : { id: idOf("Account", envelope), owner: "", balance: 0, status: "closed", opened_at: 0 }
      )
  },
  reset: Accounts.clear
})

export const transactionsProjection = Projection.make({
  name: "bank-transactions",
  events: [MoneyDepositedType, MoneyWithdrawnType],
  handlers: {
    MoneyDeposited: (e, envelope) =>
      Transactions.put(envelope.eventId, {
        id: envelope.eventId,
        account_id: idOf("Account", envelope),
        type: "deposit",
        amount: e.amount,
        timestamp: epochSeconds(envelope.timestamp),
        position: envelope.position
      }),
    MoneyWithdrawn: (e, envelope) =>
      Transactions.put(envelope.eventId, {
        id: envelope.eventId,
        account_id: idOf("Account", envelope),
        type: "withdrawal",
        amount: e.amount,
        timestamp: epochSeconds(envelope.timestamp),
        position: envelope.position
      })
  },
  reset: Transactions.clear
})
