/**
 * The account aggregate and its decisions: plain functions from state to events, or a rejection
 * with the seed's words ("Insufficient funds", "Account is not active", ...). A deposit or withdrawal
 * may name its `operation`: the transfer saga's steps do, since recovery runs a step again when its
 * effect was committed but its completion not yet logged, and the money must still move once.
 */
import { Aggregate } from "@cello/eventsourcing"
import { Effect, Schema } from "effect"
import { type Cents, maxBalance } from "../money.js"
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
  /** In cents. */
  balance: Schema.Int,
  /** Operation ids applied (kept for good: a step may be run again any time before its saga ends). */
  operations: Schema.Record(Schema.String, Schema.Literal(true)),
  /** How each transfer was recorded here, so a `complete` step run again records it once. */
  transfers: Schema.Record(Schema.String, Schema.Literals(["completed", "failed"]))
})
export type AccountState = typeof AccountState.Type

const remember = (
  operations: AccountState["operations"],
  operation: string | undefined
): AccountState["operations"] => (operation === undefined ? operations : { ...operations, [operation]: true })

export const Account = Aggregate.make<AccountState>()({
  name: "Account",
  initialState: { status: "unknown", owner: "", balance: 0, operations: {}, transfers: {} },
  events,
  evolve: {
    AccountOpened: (s, e) => ({ ...s, status: "active", owner: e.owner, balance: e.initial_balance }),
    MoneyDeposited: (s, e) => ({
      ...s,
      balance: s.balance + e.amount,
      operations: remember(s.operations, e.operation)
    }),
    MoneyWithdrawn: (s, e) => ({
      ...s,
      balance: s.balance - e.amount,
      operations: remember(s.operations, e.operation)
    }),
    AccountClosed: (s) => ({ ...s, status: "closed" }),
    TransferCompleted: (s, e) => ({ ...s, transfers: { ...s.transfers, [e.transfer_id]: "completed" } }),
    TransferFailed: (s, e) => ({ ...s, transfers: { ...s.transfers, [e.transfer_id]: "failed" } })
  },
  // Version 2 added `operations` and `transfers`, version 3 made the balance cents: older snapshots
  // are ignored and the stream replayed.
  snapshot: { schema: AccountState, version: 3 }
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

const positive = (amount: Cents) => (amount > 0 ? Effect.void : reject("Amount must be positive"))

const active = (state: AccountState) =>
  state.status === "active" ? Effect.void : reject("Account is not active")

/** What `open` answers for an id already in use. */
export const alreadyExists = "Account already exists"

export const open = (owner: string, initialBalance: Cents) => (state: AccountState) =>
  state.status === "unknown"
    ? Effect.succeed([new AccountOpened({ owner, initial_balance: initialBalance })])
    : reject(alreadyExists)

/** What a deposit or withdrawal says besides its amount. */
export interface Move {
  /** Shown in the history. */
  readonly reason?: string | undefined
  /** Applied once: when the account has applied this id already, the move decides nothing. */
  readonly operation?: string | undefined
  /**
   * The operation this move undoes: applied only if the account applied that one. A saga compensates
   * a step that timed out without knowing whether it moved money; this keeps the undoing honest.
   */
  readonly undoes?: string | undefined
}

const fields = ({ reason, operation }: Move) => ({
  ...(reason === undefined ? {} : { reason }),
  ...(operation === undefined ? {} : { operation })
})

// Checked before the rules: a repeated withdrawal must succeed even if the balance is now too low;
// an undoing of what never happened has nothing to do.
const applied = (state: AccountState, { operation, undoes }: Move) =>
  (operation !== undefined && state.operations[operation] === true) ||
  (undoes !== undefined && state.operations[undoes] !== true)

/** What a deposit answers when the balance would pass `maxBalance`. */
export const balanceLimit = "Balance limit exceeded"

export const deposit =
  (amount: Cents, move: Move = {}): Decision =>
  (state) =>
    applied(state, move)
      ? Effect.succeed([])
      : Effect.andThen(positive(amount), active(state)).pipe(
          Effect.andThen(state.balance + amount > maxBalance ? reject(balanceLimit) : Effect.void),
          Effect.as([new MoneyDeposited({ amount, ...fields(move) })])
        )

export const withdraw =
  (amount: Cents, move: Move = {}): Decision =>
  (state) =>
    applied(state, move)
      ? Effect.succeed([])
      : Effect.andThen(positive(amount), active(state)).pipe(
          Effect.andThen(state.balance < amount ? reject("Insufficient funds") : Effect.void),
          Effect.as([new MoneyWithdrawn({ amount, ...fields(move) })])
        )

export const close: Decision = (state) =>
  Effect.andThen(
    active(state),
    state.balance !== 0 ? reject("Account balance must be zero to close") : Effect.void
  ).pipe(Effect.as([new AccountClosed({})]))

export const completeTransfer = (transferId: string) => (state: AccountState) =>
  state.status === "unknown" || state.transfers[transferId] === "completed"
    ? []
    : [new TransferCompleted({ transfer_id: transferId })]

/** Recorded on the source account of a transfer that did not complete (when that account exists). */
export const failTransfer = (transferId: string, error: string) => (state: AccountState) =>
  state.status === "unknown" || state.transfers[transferId] === "failed"
    ? []
    : [new TransferFailed({ transfer_id: transferId, error })]
