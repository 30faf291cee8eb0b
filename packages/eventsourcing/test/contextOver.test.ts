// `contextOver` stands in for `Context.merge(outer, services)` on every append and dispatch: every
// key must read the same through both, whatever the two contexts share, lack or hold differently.
import { assert, it } from "@effect/vitest"
import { Context } from "effect"
import { contextOver } from "../src/internal/contextOver.js"

const keys = ["a", "b", "c", "d", "e"] as const
const values = [1, 2, undefined] as const

/** A context holding each key with one of the values, or not at all: `choice` picks, digit by digit. */
const contextOf = (choice: number, depth: number): Context.Context<never> => {
  let context = Context.empty()
  let rest = choice
  keys.forEach((key, i) => {
    const pick = rest % 4
    rest = Math.floor(rest / 4)
    // Keys from `depth` on hold an object of their own: the two contexts never share its value.
    if (pick < 3) context = Context.addUnsafe(context, key, i < depth ? values[pick] : { pick })
  })
  return context
}

it("reads every key as Context.merge does, for any two contexts", () => {
  for (let outer = 0; outer < 4 ** keys.length; outer += 7)
    for (let services = 0; services < 4 ** keys.length; services += 5) {
      const a = contextOf(outer, 3)
      const b = contextOf(services, 3)
      const merged = Context.merge(a, b)
      const over = contextOver(a, b)
      for (const key of keys) {
        assert.strictEqual(over.mapUnsafe.has(key), merged.mapUnsafe.has(key), key)
        assert.strictEqual(over.mapUnsafe.get(key), merged.mapUnsafe.get(key), key)
      }
      assert.strictEqual(over.mapUnsafe.size, merged.mapUnsafe.size)
    }
})
