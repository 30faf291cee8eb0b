/**
 * The bank's events, named and shaped as the seed stores them (snake_case data: the history
 * endpoint shows it as is). The account id is the stream's, not repeated in the data.
 *
 * Money fields are exact (`Stored`: cents inside, two decimals in the JSON). Version 1 of the events
 * with money held floats; they are upcast on read (`roundToCents`), so a database of an earlier demo
 * still loads.
 */
import { EventType } from "@cello/eventsourcing"
import { Schema } from "effect"
import { roundToCents, Stored } from "../money.js"

export class AccountOpened extends Schema.TaggedClass<AccountOpened>()("AccountOpened", {
  owner: Schema.String,
  initial_balance: Stored
}) {}

/**
 * `operation` names a move that must happen once (a transfer saga's step, which recovery may run
 * again): the account refuses to apply the same operation twice. Optional, so events stored before it
 * still decode, and deposits made over HTTP have none.
 */
const operation = Schema.optionalKey(Schema.String)

export class MoneyDeposited extends Schema.TaggedClass<MoneyDeposited>()("MoneyDeposited", {
  amount: Stored,
  reason: Schema.optionalKey(Schema.String),
  operation
}) {}

export class MoneyWithdrawn extends Schema.TaggedClass<MoneyWithdrawn>()("MoneyWithdrawn", {
  amount: Stored,
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

const exact = <A extends { readonly _tag: string }>(schema: EventType.EventSchema<A>, field: string) =>
  EventType.make(schema, { version: 2, upcasters: { 1: roundToCents([field]) } })

export const AccountOpenedType = exact(AccountOpened, "initial_balance")
export const MoneyDepositedType = exact(MoneyDeposited, "amount")
export const MoneyWithdrawnType = exact(MoneyWithdrawn, "amount")

export const events = [
  AccountOpenedType,
  MoneyDepositedType,
  MoneyWithdrawnType,
  AccountClosed,
  TransferCompleted,
  TransferFailed
] as const
