/** `Schema.is(schema)` compiles its guard on first use: made once per schema, not once per dispatch. */
import { Schema } from "effect"

const guards = new WeakMap<Schema.Top, (u: unknown) => boolean>()

export const guardOf = (schema: Schema.Top): ((u: unknown) => boolean) => {
  let guard = guards.get(schema)
  if (guard === undefined) {
    const is = Schema.is(schema)
    guard = (u) => is(u)
    guards.set(schema, guard)
  }
  return guard
}
