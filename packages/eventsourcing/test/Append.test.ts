/**
 * `Append.prepare` serializes with plain JSON.stringify and re-checks value by value only when the
 * text shows a possible problem: both paths must refuse and accept the same inputs.
 */
import { Effect, Exit, Option } from "effect"
import { describe, expect, it } from "vitest"
import { Append, type EventMetadata, type NewEvent } from "../src/index.js"

const prepare = (data: unknown, metadata?: EventMetadata) => {
  const event: NewEvent = metadata === undefined ? { type: "T", data } : { type: "T", data, metadata }
  return Effect.runSyncExit(Append.prepare("s-1", [event]))
}

const reason = (exit: Exit.Exit<unknown, { readonly reason: string }>): string =>
  Option.match(Exit.findErrorOption(exit), { onNone: () => "", onSome: (error) => error.reason })

describe("Append.prepare", () => {
  it("refuses a NUL or a lone surrogate in a key, a value or metadata, and a non-finite number, naming it", () => {
    expect(reason(prepare({ "k\u0000": 1 }))).toContain("NUL")
    expect(reason(prepare({ a: ["x", "\uDC00y"] }))).toContain("lone surrogate")
    expect(reason(prepare({ a: 1 }, { note: "\uD800" }))).toContain("metadata")
    expect(reason(prepare({ a: { b: Number.POSITIVE_INFINITY } }))).toContain("non-finite")
    expect(reason(prepare({ a: null, b: Number.NaN }))).toContain("non-finite")
  })

  it("stores text that only looks like a problem as it is: escapes written out, nulls, paired surrogates", () => {
    const data = { a: "\\u0000 and \\ud800", b: null, c: "null", d: "😀", e: [1.5, -0, "x"] }
    const exit = prepare(data, { m: null })
    expect(Exit.isSuccess(exit)).toBe(true)
    if (Exit.isSuccess(exit)) {
      expect(JSON.parse(exit.value[0]?.dataJson ?? "")).toEqual(JSON.parse(JSON.stringify(data)))
      expect(exit.value[0]?.metadataJson).toBe('{"m":null}')
    }
  })
})
