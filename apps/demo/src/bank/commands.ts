/**
 * The bank's write side: command definitions (their schemas decode the HTTP bodies) and their
 * handlers on the `CommandBus`, each a load → decide → save of the account aggregate. `DepositOnce`
 * and `WithdrawOnce` are the transfer saga's own: no route sends them, so the HTTP bodies of a
 * deposit or withdrawal cannot name an operation.
 */
import { Command, CommandBus } from "@cello/cqrs"
import { type EventEnvelope, Repository } from "@cello/eventsourcing"
import { Effect, Layer, Schema } from "effect"
import { Amount, Money, maxAmount, Stored } from "../money.js"
import { EventView, eventView, FreeText, Id, Text, withFreshId } from "../schemas.js"
import * as Account from "./account.js"

export const OpenAccount = Command.make("OpenAccount", {
  payload: {
    owner: Text,
    initial_balance: Money({ min: 0, max: maxAmount }).pipe(Schema.withDecodingDefaultKey(Effect.succeed(0)))
  },
  success: Schema.Struct({ account_id: Schema.String, event: EventView })
})

const Moved = Schema.Struct({ event: EventView, new_balance: Stored })

export const Deposit = Command.make("Deposit", {
  payload: { account_id: Id, amount: Amount, reason: Schema.optionalKey(FreeText) },
  success: Moved,
  failure: Account.AccountRejected
})

export const Withdraw = Command.make("Withdraw", {
  payload: { account_id: Id, amount: Amount, reason: Schema.optionalKey(FreeText) },
  success: Moved,
  failure: Account.AccountRejected
})

/** What a move applied once answers: `applied` is false when the operation had been applied before. */
const MovedOnce = Schema.Struct({ applied: Schema.Boolean, new_balance: Stored })

const once = {
  account_id: Id,
  amount: Stored,
  reason: Schema.optionalKey(FreeText),
  /** The move's id on the account: the same id is applied once, however often it is sent. */
  operation: Schema.String,
  /** The operation this move undoes: nothing happens unless the account applied that one. */
  undoes: Schema.optionalKey(Schema.String)
}

export const DepositOnce = Command.make("DepositOnce", {
  payload: once,
  success: MovedOnce,
  failure: Account.AccountRejected
})

export const WithdrawOnce = Command.make("WithdrawOnce", {
  payload: once,
  success: MovedOnce,
  failure: Account.AccountRejected
})

export const CloseAccount = Command.make("CloseAccount", {
  payload: { account_id: Id },
  success: Schema.Struct({ event: EventView }),
  failure: Account.AccountRejected
})

/** Records how a transfer ended on the accounts involved (the saga's last step, or its failure). */
export const RecordTransfer = Command.make("RecordTransfer", {
  payload: {
    transfer_id: Schema.String,
    accounts: Schema.Array(Id),
    error: Schema.optionalKey(Schema.String)
  },
  success: Schema.Void
})

export const definitions = [
  OpenAccount,
  Deposit,
  Withdraw,
  DepositOnce,
  WithdrawOnce,
  CloseAccount,
  RecordTransfer
] as const

/** The single event a decision appended, as the seed shows it. */
const firstEvent = (id: string, saved: { readonly envelopes: ReadonlyArray<EventEnvelope> }) => {
  const envelope = saved.envelopes[0]
  return envelope === undefined
    ? Effect.die(new Error(`no event was appended to account ${id}`))
    : eventView(id, envelope)
}

const moved = (id: string, decide: Account.Decision) =>
  Effect.gen(function* () {
    const saved = yield* Repository.handle(Account.Account, id, decide)
    return { event: yield* firstEvent(id, saved), new_balance: saved.state.balance }
  })

const movedOnce = (id: string, decide: Account.Decision) =>
  Effect.map(Repository.handle(Account.Account, id, decide), (saved) => ({
    applied: saved.events.length > 0,
    new_balance: saved.state.balance
  }))

export const handlers = Layer.mergeAll(
  CommandBus.handler(OpenAccount, ({ owner, initial_balance }) =>
    withFreshId(
      "acc",
      (id) =>
        Effect.gen(function* () {
          const saved = yield* Repository.create(Account.Account, id, Account.open(owner, initial_balance))
          return { account_id: id, event: yield* firstEvent(id, saved) }
        }),
      (error) => error instanceof Account.AccountRejected && error.reason === Account.alreadyExists
    )
  ),
  CommandBus.handler(Deposit, ({ account_id, amount, reason }) =>
    moved(account_id, Account.deposit(amount, { reason }))
  ),
  CommandBus.handler(Withdraw, ({ account_id, amount, reason }) =>
    moved(account_id, Account.withdraw(amount, { reason }))
  ),
  CommandBus.handler(DepositOnce, ({ account_id, amount, reason, operation, undoes }) =>
    movedOnce(account_id, Account.deposit(amount, { reason, operation, undoes }))
  ),
  CommandBus.handler(WithdrawOnce, ({ account_id, amount, reason, operation, undoes }) =>
    movedOnce(account_id, Account.withdraw(amount, { reason, operation, undoes }))
  ),
  CommandBus.handler(CloseAccount, ({ account_id }) =>
    Effect.gen(function* () {
      const saved = yield* Repository.handle(Account.Account, account_id, Account.close)
      return { event: yield* firstEvent(account_id, saved) }
    })
  ),
  CommandBus.handler(RecordTransfer, ({ transfer_id, accounts, error }) =>
    Effect.forEach(
      accounts,
      (id) =>
        Repository.handle(
          Account.Account,
          id,
          error === undefined
            ? Account.completeTransfer(transfer_id)
            : Account.failTransfer(transfer_id, error)
        ),
      { discard: true }
    )
  )
)
