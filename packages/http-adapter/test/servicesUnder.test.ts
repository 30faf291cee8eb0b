// `servicesUnder` stands in for `Context.merge(services, own)` on every request, keeping the first
// request's merge: every key must read the same through both, over any run of request contexts
// (the same keys with the same or other services, other keys, fewer or more of them).
import { assert, it } from "@effect/vitest"
import { Context } from "effect"
import { servicesUnder } from "../src/servicesUnder.js"

const keys = ["a", "b", "c", "d", "e"] as const
const shared = [1, 2, undefined] as const

/** A context holding each key with a shared value, a value of its own, or not at all (`choice`, digit by digit). */
const contextOf = (choice: number): Context.Context<never> => {
  let context = Context.empty()
  let rest = choice
  for (const key of keys) {
    const pick = rest % 5
    rest = Math.floor(rest / 5)
    if (pick < 3) context = Context.addUnsafe(context, key, shared[pick])
    else if (pick === 3) context = Context.addUnsafe(context, key, { own: key })
  }
  return context
}

it("reads every key as Context.merge does, over any run of request contexts", () => {
  const all = 5 ** keys.length
  for (let services = 0; services < all; services += 11) {
    const routes = contextOf(services)
    const under = servicesUnder(routes)
    // A run of requests: the same shape again and again, then others, then the first again.
    for (let step = 0; step < 60; step++) {
      const own = contextOf(step < 20 ? 7 + 5 * (step % 3) : (step * 37) % all)
      const expected = Context.merge(routes, own)
      const actual = under(own)
      for (const key of keys) {
        assert.strictEqual(actual.mapUnsafe.has(key), expected.mapUnsafe.has(key), key)
        assert.strictEqual(actual.mapUnsafe.get(key), expected.mapUnsafe.get(key), key)
      }
      assert.strictEqual(actual.mapUnsafe.size, expected.mapUnsafe.size)
    }
  }
})
