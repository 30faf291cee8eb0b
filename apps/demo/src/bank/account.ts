/**
 * The account aggregate and its decisions: plain functions from state to events, or a rejection
 * with the seed's words ("Insufficient funds", "Account is not active", ...).
 */
import { Aggregate } from "@cello/eventsourcing"
import { Effect, Schema } from "effect"
import {
  AccountClosed,
  AccountOpened,
  events,
  MoneyDeposited,
  MoneyWithdrawn,
  TransferCompleted,
  TransferFailed
} from "./events.js"

const AccountState = Schema.Struct({
  status: Schema.Literals(["unknown", "active", "closed"]),
  owner: Schema.String,
  balance: Schema.Number
})
export type AccountState = typeof AccountState.Type

export const Account = Aggregate.make<AccountState>()({
  name: "Account",
  initialState: { status: "unknown", owner: "", balance: 0 },
  events,
  evolve: {
    AccountOpened: (_, e) => ({ status: "active", owner: e.owner, balance: e.initial_balance }),
    MoneyDeposited: (s, e) => ({ ...s, balance: s.balance + e.amount }),
    MoneyWithdrawn: (s, e) => ({ ...s, balance: s.balance - e.amount }),
    AccountClosed: (s) => ({ ...s, status: "closed" }),
    TransferCompleted: (s) => s,
    TransferFailed: (s) => s
  },
  snapshot: { schema: AccountState, version: 1 }
})

export type AccountEvent = Aggregate.EventOf<typeof Account>

/** A command the account's rules refuse; the seed answers these with 400 and the reason. */
export class AccountRejected extends Schema.TaggedError<AccountRejected>()("AccountRejected", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

/** What a command decides on an account's state. */
export type Decision = (state: AccountState) => Effect.Effect<ReadonlyArray<AccountEvent>, AccountRejected>

const reject = (reason: string) => Effect.fail(new AccountRejected({ reason }))

const positive = (amount: number) => (amount > 0 ? Effect.void : reject("Amount must be positive"))

const active = (state: AccountState) =>
  state.status === "active" ? Effect.void : reject("Account is not active")

export const open = (owner: string, initialBalance: number) => (state: AccountState) =>
  state.status === "unknown"
    ? Effect.succeed([new AccountOpened({ owner, initial_balance: initialBalance })])
    : reject("Account already exists")

const withReason = (reason: string | undefined) => (reason === undefined ? {} : { reason })

export const deposit =
  (amount: number, reason?: string): Decision =>
  (state) =>
    Effect.as(Effect.andThen(positive(amount), active(state)), [
      new MoneyDeposited({ amount, ...withReason(reason) })
    ])

export const withdraw =
  (amount: number, reason?: string): Decision =>
  (state) =>
    Effect.andThen(positive(amount), active(state)).pipe(
      Effect.andThen(state.balance < amount ? reject("Insufficient funds") : Effect.void),
      Effect.as([new MoneyWithdrawn({ amount, ...withReason(reason) })])
    )

export const close: Decision = (state) =>
  Effect.andThen(
    active(state),
    state.balance !== 0 ? reject("Account balance must be zero to close") : Effect.void
  ).pipe(Effect.as([new AccountClosed({})]))

export const completeTransfer = (transferId: string) => (state: AccountState) =>
  state.status === "unknown" ? [] : [new TransferCompleted({ transfer_id: transferId })]

/** Recorded on the source account of a transfer that did not complete (when that account exists). */
export const failTransfer = (transferId: string, error: string) => (state: AccountState) =>
  state.status === "unknown" ? [] : [new TransferFailed({ transfer_id: transferId, error })]
