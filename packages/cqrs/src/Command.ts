/** Defines a command: `Command.make("PlaceOrder", {
 *   payload: { customerId: Schema.String }, success: OrderId, failure: OrderRejected
 * })`. */
import type { Schema } from "effect"
import { build, type Definition, type Fields, type Plain } from "./Message.js"

export function make<const Name extends string, const Payload extends Fields, S extends Plain>(
  name: Name,
  options: { readonly payload: Payload; readonly success: S }
): Definition<Name, Schema.Struct<Payload>, S, typeof Schema.Never>
export function make<
  const Name extends string,
  const Payload extends Fields,
  S extends Plain,
  F extends Plain
>(
  name: Name,
  options: { readonly payload: Payload; readonly success: S; readonly failure: F }
): Definition<Name, Schema.Struct<Payload>, S, F>
export function make(
  name: string,
  options: { readonly payload: Fields; readonly success: Plain; readonly failure?: Plain }
): Definition<string, Schema.Top, Schema.Top, Schema.Top> {
  return build("command", name, options)
}
