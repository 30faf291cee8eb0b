/**
 * The bank's events, named and shaped as the seed stores them (snake_case data: the history
 * endpoint shows it as is). The account id is the stream's, not repeated in the data.
 */
import { Schema } from "effect"

export class AccountOpened extends Schema.TaggedClass<AccountOpened>()("AccountOpened", {
  owner: Schema.String,
  initial_balance: Schema.Number
}) {}

/**
 * `operation` names a move that must happen once (a transfer saga's step, which recovery may run
 * again): the account refuses to apply the same operation twice. Optional, so events stored before it
 * still decode, and deposits made over HTTP have none.
 */
const operation = Schema.optionalKey(Schema.String)

export class MoneyDeposited extends Schema.TaggedClass<MoneyDeposited>()("MoneyDeposited", {
  amount: Schema.Number,
  reason: Schema.optionalKey(Schema.String),
  operation
}) {}

export class MoneyWithdrawn extends Schema.TaggedClass<MoneyWithdrawn>()("MoneyWithdrawn", {
  amount: Schema.Number,
  reason: Schema.optionalKey(Schema.String),
  operation
}) {}

export class AccountClosed extends Schema.TaggedClass<AccountClosed>()("AccountClosed", {}) {}

export class TransferCompleted extends Schema.TaggedClass<TransferCompleted>()("TransferCompleted", {
  transfer_id: Schema.String
}) {}

export class TransferFailed extends Schema.TaggedClass<TransferFailed>()("TransferFailed", {
  transfer_id: Schema.String,
  error: Schema.String
}) {}

export const events = [
  AccountOpened,
  MoneyDeposited,
  MoneyWithdrawn,
  AccountClosed,
  TransferCompleted,
  TransferFailed
] as const
