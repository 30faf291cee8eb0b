/** `Schema.is(schema)` compiles its guard on first use: made once per schema, not once per dispatch. */
import { Schema } from "effect"

const guards = new WeakMap<Schema.Top, (u: unknown) => boolean>()

const isPrimitive = (u: unknown): boolean => u === null || (typeof u !== "object" && typeof u !== "function")

export const guardOf = (schema: Schema.Top): ((u: unknown) => boolean) => {
  let guard = guards.get(schema)
  if (guard === undefined) {
    const is = Schema.is(schema)
    // The last primitive the schema accepted (a void command's `undefined`, say): a primitive cannot
    // change, so it is accepted again without running the guard (about 20 ns each time).
    let accepted: unknown
    let hasAccepted = false
    guard = (u) => {
      if (hasAccepted && Object.is(u, accepted)) return true
      const ok = is(u)
      if (ok && isPrimitive(u)) {
        accepted = u
        hasAccepted = true
      }
      return ok
    }
    guards.set(schema, guard)
  }
  return guard
}
