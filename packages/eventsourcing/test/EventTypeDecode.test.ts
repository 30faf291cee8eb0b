import { EventType } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { Equal, Predicate, Result, Schema } from "effect"
import * as PlainDecoder from "../src/internal/plainDecoder.js"

// Event types of plain JSON data decode through a shortcut once a first payload proved it builds
// what Schema builds. These tests hold it to Schema's own decoder, payload by payload.

class Plain extends Schema.TaggedClass<Plain>()("Plain", {
  s: Schema.String,
  n: Schema.Number,
  i: Schema.Int,
  b: Schema.Boolean,
  nul: Schema.Null,
  lit: Schema.Literals(["a", "b", 3]),
  maybe: Schema.NullOr(Schema.String),
  key: Schema.optionalKey(Schema.NonEmptyString),
  opt: Schema.optional(Schema.Number),
  list: Schema.Array(Schema.Struct({ at: Schema.Number, tags: Schema.Array(Schema.String) })),
  either: Schema.Union([Schema.Struct({ kind: Schema.Literal("x"), x: Schema.Number }), Schema.String]),
  nested: Schema.Struct({ name: Schema.String })
}) {
  get label(): string {
    return `${this.s}:${this.n}`
  }
}

const PlainStruct = Schema.TaggedStruct("PlainStruct", {
  from: Schema.Number,
  to: Schema.Number
}).check(Schema.makeFilter((r) => r.from <= r.to || "from must not exceed to"))

const valid = {
  s: "x",
  n: 1.5,
  i: 2,
  b: true,
  nul: null,
  lit: 3,
  maybe: null,
  key: "k",
  list: [{ at: 1, tags: ["t"] }],
  either: { kind: "x", x: 1, extra: true },
  nested: { name: "n" },
  extra: "ignored"
}

// Valid and invalid payloads, and the ones only Schema knows ("NaN" numbers, null for undefined).
const payloads: ReadonlyArray<unknown> = [
  valid,
  { ...valid, _tag: "Other" },
  { ...valid, n: "NaN" },
  { ...valid, n: "Infinity", opt: 1 },
  { ...valid, opt: null },
  { ...valid, opt: "1" },
  { ...valid, i: 1.5 },
  { ...valid, i: "1" },
  { ...valid, s: 1 },
  { ...valid, b: "true" },
  { ...valid, nul: 0 },
  { ...valid, lit: "c" },
  { ...valid, lit: "3" },
  { ...valid, maybe: 1 },
  { ...valid, key: "" },
  { ...valid, key: undefined },
  { ...valid, list: [{ at: 1, tags: [1] }] },
  { ...valid, list: {} },
  { ...valid, either: "plain" },
  { ...valid, either: { kind: "y", x: 1 } },
  { ...valid, nested: { name: 1 } },
  { ...valid, nested: null },
  { s: "only" },
  null,
  [],
  "text",
  42
]

const reference = <A>(schema: Schema.Codec<A, unknown>, tag: string) => {
  const decode = Schema.decodeUnknownResult(Schema.toCodecJson(schema))
  return (data: unknown) => decode(Predicate.isObject(data) ? { ...data, _tag: tag } : data)
}

const ownKeys = (u: unknown) => (Predicate.isObject(u) ? Reflect.ownKeys(u) : [])

const sameResult = <A>(
  actual: Result.Result<A, Schema.SchemaError>,
  expected: Result.Result<A, Schema.SchemaError>
) => {
  if (Result.isSuccess(expected)) {
    assert.isTrue(Result.isSuccess(actual), Result.isFailure(actual) ? actual.failure.message : "")
    if (Result.isSuccess(actual)) {
      assert.strictEqual(Object.getPrototypeOf(actual.success), Object.getPrototypeOf(expected.success))
      assert.deepStrictEqual(actual.success, expected.success)
      assert.deepStrictEqual(ownKeys(actual.success), ownKeys(expected.success))
    }
  } else {
    assert.isTrue(Result.isFailure(actual))
    if (Result.isFailure(actual)) assert.strictEqual(actual.failure.message, expected.failure.message)
  }
}

describe("EventType decoding", () => {
  it("decodes plain JSON payloads of a class exactly as Schema does, before and after the shortcut is on", () => {
    const type = EventType.make(Plain)
    const expected = reference(Plain, "Plain")
    for (const round of [1, 2])
      for (const data of payloads) {
        const actual = type.decodeResult(data)
        sameResult(actual, expected(data))
        if (round === 2 && Result.isSuccess(actual)) {
          assert.instanceOf(actual.success, Plain)
          assert.strictEqual(actual.success.label, `${actual.success.s}:${actual.success.n}`)
        }
      }
  })

  it("decoded events are equal to the ones the class constructor builds", () => {
    const type = EventType.make(Plain)
    const built = new Plain({
      s: "x",
      n: 1.5,
      i: 2,
      b: true,
      nul: null,
      lit: 3,
      maybe: null,
      key: "k",
      list: [{ at: 1, tags: ["t"] }],
      either: { kind: "x", x: 1 },
      nested: { name: "n" }
    })
    const encoded = { ...valid, either: { kind: "x", x: 1 } }
    for (let n = 0; n < 3; n++) {
      const decoded = type.decodeResult(encoded)
      assert.isTrue(Result.isSuccess(decoded))
      if (Result.isSuccess(decoded)) {
        assert.instanceOf(decoded.success, Plain)
        assert.isTrue(Equal.equals(decoded.success, built))
      }
    }
  })

  it("runs a tagged struct's own check on every payload", () => {
    const type = EventType.make(PlainStruct)
    const expected = reference(PlainStruct, "PlainStruct")
    for (const data of [
      { from: 1, to: 2 },
      { from: 3, to: 2 },
      { from: 1, to: 2, _tag: "x" },
      { from: 5, to: 1 }
    ])
      sameResult(type.decodeResult(data), expected(data))
  })

  it("keeps building with the class when its constructor adds fields", () => {
    class Stamped extends Schema.TaggedClass<Stamped>()("Stamped", { n: Schema.Number }) {
      readonly twice: number = this.n * 2
    }
    const type = EventType.make(Stamped)
    for (const n of [1, 2, 3]) {
      const decoded = type.decodeResult({ n })
      assert.isTrue(Result.isSuccess(decoded))
      if (Result.isSuccess(decoded)) assert.strictEqual(decoded.success.twice, n * 2)
    }
  })

  it("reads keys as Schema does, inherited ones included", () => {
    const Named = Schema.TaggedStruct("Named", { toString: Schema.optionalKey(Schema.String) })
    const type = EventType.make(Named)
    const expected = reference(Named, "Named")
    for (const data of [{ toString: "a" }, {}, { toString: "b" }, {}])
      sameResult(type.decodeResult(data), expected(data))
  })

  it("decodes fields with transformations, dates and nested classes through their own schemas", () => {
    class Inner extends Schema.TaggedClass<Inner>()("Inner", { v: Schema.String }) {}
    class Dated extends Schema.TaggedClass<Dated>()("Dated", {
      at: Schema.Date,
      n: Schema.NumberFromString,
      inner: Inner,
      either: Schema.Union([Schema.NumberFromString, Schema.Boolean])
    }) {}
    const type = EventType.make(Dated)
    const expected = reference(Dated, "Dated")
    const ok = { at: "2020-01-01T00:00:00.000Z", n: "1", inner: { _tag: "Inner", v: "x" }, either: true }
    for (const round of [1, 2])
      for (const data of [
        ok,
        { ...ok, at: "2021-02-03T00:00:00.000Z", n: "2", either: "3" },
        { ...ok, n: 1 },
        { ...ok, at: "nope" },
        { ...ok, inner: { v: "x" } },
        { ...ok, either: 1 }
      ]) {
        const actual = type.decodeResult(data)
        sameResult(actual, expected(data))
        if (round === 2 && Result.isSuccess(actual)) {
          assert.instanceOf(actual.success.inner, Inner)
          assert.instanceOf(actual.success.at, Date)
        }
      }
  })

  it("takes the shortcut for plain schemas only, and only after a payload proved it", () => {
    assert.isDefined(PlainDecoder.compileEvent(Plain, "Plain"))
    assert.isDefined(PlainDecoder.compileEvent(PlainStruct, "PlainStruct"))
    assert.isUndefined(PlainDecoder.compileEvent(Schema.String, "String"))
    const step = PlainDecoder.compileEvent(Plain, "Plain")
    if (step === undefined) return
    const full = reference(Plain, "Plain")
    let calls = 0
    const decode = PlainDecoder.shortcut(step, (data) => {
      calls++
      return full(data)
    })
    decode({ s: 1 })
    decode(valid)
    decode(valid)
    decode({ ...valid, n: "NaN" })
    decode({ ...valid, s: 1 })
    // Schema ran for the invalid one, the proof, the "NaN" and the last invalid one; not the second valid.
    assert.strictEqual(calls, 4)
  })

  it("never takes the shortcut when the plain step accepted what Schema refused", () => {
    const decode = PlainDecoder.shortcut(
      () => ({ _tag: "Plain" }),
      (data) => Result.fail(`refused ${String(data)}`)
    )
    for (const n of [1, 2]) assert.deepStrictEqual(decode(n), Result.fail(`refused ${n}`))
  })
})
