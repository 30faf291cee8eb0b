/**
 * The ReadModelStore conformance suite: what every read-model store must do, specified once. Each test
 * works in fresh collections, so the store may hold other data (a shared database).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import type { ReadModelError, StoreUnavailable } from "../Errors.js"
import { type Condition, type ListOptions, ReadModelStore, type StoredDocument } from "../ReadModelStore.js"
import { freshName } from "./fixtures.js"
import { indexedPagesAgree } from "./indexedPages.js"

const ids = (documents: ReadonlyArray<StoredDocument>): ReadonlyArray<string> => documents.map((d) => d.id)

const putAll = (collection: string, documents: Readonly<Record<string, object>>) =>
  ReadModelStore.use((store) =>
    Effect.forEach(Object.entries(documents), ([id, document]) => store.put(collection, id, document), {
      discard: true
    })
  )

/** The ReadModelError the effect fails with (the test fails on success or another error). */
const refusal = <A, R>(effect: Effect.Effect<A, ReadModelError | StoreUnavailable, R>) =>
  Effect.flip(effect).pipe(
    Effect.map((error) => (error._tag === "ReadModelError" ? error : undefined)),
    Effect.tap((error) => Effect.sync(() => assert.isDefined(error, "expected a ReadModelError")))
  )

/** Filters see one field holding numbers, a numeric string, and nothing at all. */
const filterDocuments = {
  a: { n: 10, name: "pear", active: true },
  b: { n: 9, name: "apple", active: false },
  c: { n: -2.5, name: "Zoë", active: true, note: null },
  d: { name: "banana" },
  e: { n: "10", name: "fig", active: false },
  f: { n: 100, name: "apple", active: true }
}

/** Sorting sees ties, upper and lower case, a non-ASCII letter and a missing field. */
const sortDocuments: Readonly<Record<string, object>> = {
  p1: { score: 10, name: "b" },
  p2: { score: 9, name: "B" },
  p3: { score: 10, name: "a" },
  p4: { score: 100, name: "A" },
  p5: { name: "é" },
  p6: { score: 9, name: "b" }
}

export const readModelStoreSuite = <E>(name: string, storeLayer: Layer.Layer<ReadModelStore, E>): void =>
  layer(storeLayer, { excludeTestServices: true })(`${name}: ReadModelStore conformance`, (it) => {
    describe("documents", () => {
      it.effect("puts, gets, replaces and deletes a document", () =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore
          const collection = freshName("docs")
          assert.isTrue(Option.isNone(yield* store.get(collection, "a")))
          yield* store.put(collection, "a", { balance: 10, owner: "ann" })
          assert.deepStrictEqual(
            yield* store.get(collection, "a"),
            Option.some({ balance: 10, owner: "ann" })
          )
          // A put replaces the whole document: fields it leaves out are gone.
          yield* store.put(collection, "a", { balance: 25 })
          assert.deepStrictEqual(yield* store.get(collection, "a"), Option.some({ balance: 25 }))
          yield* store.delete(collection, "a")
          assert.isTrue(Option.isNone(yield* store.get(collection, "a")))
          // Deleting what is not there is no error.
          yield* store.delete(collection, "a")
          assert.strictEqual(yield* store.count(collection), 0)
        })
      )

      it.effect("keeps unicode, quotes, backslashes and nested values as they were", () =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore
          const collection = freshName("unicode 'collection' \"ü\"")
          const id = `Zoë "O'Brien" 🎻 \\ ${freshName("id")}`
          const document = {
            owner: 'Zoë "O\'Brien" 🎻',
            path: "C:\\temp\\new",
            escaped: "\\u0000 is text here",
            empty: "",
            numbers: [0, -1, 1.5, 1e21, 123456789.125],
            nested: { deeper: { list: [{ ok: true }, null, "x"] }, none: null },
            "key with spaces & ünïcode": false
          }
          yield* store.put(collection, id, document)
          assert.deepStrictEqual(yield* store.get(collection, id), Option.some(document))
          assert.deepStrictEqual(yield* store.list(collection), [{ id, document }])
        })
      )

      it.effect("stores a copy: changing the object put or read later changes nothing stored", () =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore
          const collection = freshName("copy")
          const document = { items: ["a"], total: 1 }
          yield* store.put(collection, "x", document)
          document.items.push("b")
          document.total = 2
          const read = Option.getOrUndefined(yield* store.get(collection, "x"))
          if (typeof read === "object" && read !== null && "total" in read) read.total = 99
          assert.deepStrictEqual(yield* store.get(collection, "x"), Option.some({ items: ["a"], total: 1 }))
        })
      )

      // Anything but a JSON object is refused with a ReadModelError, and nothing is written.
      const refused: ReadonlyArray<readonly [string, unknown]> = [
        ["null", null],
        ["undefined", undefined],
        ["a number", 42],
        ["a string", "text"],
        ["a boolean", true],
        ["an array", [{ a: 1 }]],
        ["a Date (its JSON is a string)", new Date(0)],
        ["a bigint inside", { amount: 1n }],
        ["a NUL character inside", { text: "a\u0000b" }],
        ["a lone surrogate inside", { text: "\ud800" }]
      ]
      for (const [label, document] of refused) {
        it.effect(`refuses ${label} and writes nothing`, () =>
          Effect.gen(function* () {
            const store = yield* ReadModelStore
            const collection = freshName("refused")
            const error = yield* refusal(store.put(collection, "new", document))
            assert.strictEqual(error?.collection, collection)
            assert.strictEqual(error?.id, "new")
            assert.isTrue(Option.isNone(yield* store.get(collection, "new")))
            // A refused replacement leaves the stored document as it was.
            yield* store.put(collection, "old", { kept: true })
            yield* refusal(store.put(collection, "old", document))
            assert.deepStrictEqual(yield* store.get(collection, "old"), Option.some({ kept: true }))
            assert.strictEqual(yield* store.count(collection), 1)
          })
        )
      }

      it.effect("collections are isolated: same ids, separate documents, separate clears", () =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore
          const left = freshName("left")
          const right = freshName("right")
          yield* store.put(left, "1", { side: "left" })
          yield* store.put(right, "1", { side: "right" })
          yield* store.put(right, "2", { side: "right" })
          assert.deepStrictEqual(yield* store.get(left, "1"), Option.some({ side: "left" }))
          assert.deepStrictEqual(ids(yield* store.list(right)), ["1", "2"])
          assert.strictEqual(yield* store.count(left), 1)
          yield* store.delete(left, "1")
          assert.deepStrictEqual(yield* store.get(right, "1"), Option.some({ side: "right" }))
          yield* store.put(left, "3", { side: "left" })
          yield* store.clear(right)
          assert.deepStrictEqual(ids(yield* store.list(left)), ["3"])
          assert.deepStrictEqual(yield* store.list(right), [])
          assert.strictEqual(yield* store.count(right), 0)
        })
      )
    })

    describe("list filters", () => {
      // [condition, ids of filterDocuments that match]. A document without the field never matches.
      const table: ReadonlyArray<readonly [Condition, ReadonlyArray<string>]> = [
        [{ field: "n", op: "eq", value: 10 }, ["a"]],
        [{ field: "n", op: "eq", value: "10" }, ["e"]],
        [{ field: "name", op: "eq", value: "apple" }, ["b", "f"]],
        [{ field: "active", op: "eq", value: true }, ["a", "c", "f"]],
        [{ field: "note", op: "eq", value: null }, ["c"]],
        [{ field: "n", op: "neq", value: 10 }, ["b", "c", "e", "f"]],
        [{ field: "name", op: "neq", value: "apple" }, ["a", "c", "d", "e"]],
        [{ field: "note", op: "neq", value: null }, []],
        // Numbers compare as numbers (10 > 9, 100 > 9), and only with numbers.
        [{ field: "n", op: "gt", value: 9 }, ["a", "f"]],
        [{ field: "n", op: "gte", value: 10 }, ["a", "f"]],
        [{ field: "n", op: "lt", value: 10 }, ["b", "c"]],
        [{ field: "n", op: "lte", value: 9 }, ["b", "c"]],
        [{ field: "n", op: "gte", value: -2.5 }, ["a", "b", "c", "f"]],
        // Strings compare as strings, by code point ("Z" < "a"), and only with strings.
        [{ field: "name", op: "gt", value: "banana" }, ["a", "e"]],
        [{ field: "name", op: "lt", value: "b" }, ["b", "c", "f"]],
        [{ field: "name", op: "gte", value: "pear" }, ["a"]],
        [{ field: "name", op: "lte", value: "apple" }, ["b", "c", "f"]],
        [{ field: "n", op: "gt", value: "1" }, ["e"]],
        [{ field: "active", op: "lt", value: true }, ["b", "e"]],
        [{ field: "name", op: "in", value: ["apple", "fig"] }, ["b", "e", "f"]],
        [{ field: "n", op: "in", value: [9, 100, "10"] }, ["b", "e", "f"]],
        [{ field: "n", op: "in", value: [] }, []],
        [{ field: "missing", op: "eq", value: null }, []],
        [{ field: "missing", op: "neq", value: 1 }, []],
        [{ field: "missing", op: "lt", value: 1 }, []]
      ]
      for (const [condition, expected] of table) {
        it.effect(
          `${condition.field} ${condition.op} ${JSON.stringify(condition.value)} → [${expected}]`,
          () =>
            Effect.gen(function* () {
              const store = yield* ReadModelStore
              const collection = freshName("filter")
              yield* putAll(collection, filterDocuments)
              assert.deepStrictEqual(ids(yield* store.list(collection, { where: [condition] })), expected)
              assert.strictEqual(yield* store.count(collection, [condition]), expected.length)
            })
        )
      }

      it.effect("every condition must hold", () =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore
          const collection = freshName("combined")
          yield* putAll(collection, filterDocuments)
          const both: ReadonlyArray<Condition> = [
            { field: "n", op: "gt", value: 0 },
            { field: "active", op: "eq", value: true }
          ]
          assert.deepStrictEqual(ids(yield* store.list(collection, { where: both })), ["a", "f"])
          const range: ReadonlyArray<Condition> = [
            { field: "n", op: "gte", value: 9 },
            { field: "n", op: "lt", value: 100 },
            { field: "name", op: "in", value: ["apple", "pear", "fig"] }
          ]
          assert.deepStrictEqual(ids(yield* store.list(collection, { where: range })), ["a", "b"])
          assert.strictEqual(yield* store.count(collection, range), 2)
          const none: ReadonlyArray<Condition> = [
            { field: "name", op: "eq", value: "apple" },
            { field: "name", op: "eq", value: "pear" }
          ]
          assert.deepStrictEqual(yield* store.list(collection, { where: none }), [])
        })
      )
    })

    describe("list order and paging", () => {
      // [orderBy, ids of sortDocuments in order]. Ties go by id; a missing field sorts last either way.
      const table: ReadonlyArray<readonly [ListOptions["orderBy"], ReadonlyArray<string>]> = [
        [undefined, ["p1", "p2", "p3", "p4", "p5", "p6"]],
        [[{ field: "score" }], ["p2", "p6", "p1", "p3", "p4", "p5"]],
        [[{ field: "score", direction: "asc" }], ["p2", "p6", "p1", "p3", "p4", "p5"]],
        [[{ field: "score", direction: "desc" }], ["p4", "p1", "p3", "p2", "p6", "p5"]],
        // By code point, as a binary collation does: "A" < "B" < "a" < "b" < "é".
        [[{ field: "name", direction: "asc" }], ["p4", "p2", "p3", "p1", "p6", "p5"]],
        [[{ field: "name", direction: "desc" }], ["p5", "p1", "p6", "p3", "p2", "p4"]],
        [
          [
            { field: "score", direction: "desc" },
            { field: "name", direction: "asc" }
          ],
          ["p4", "p3", "p1", "p2", "p6", "p5"]
        ],
        [
          [
            { field: "name", direction: "asc" },
            { field: "score", direction: "desc" }
          ],
          ["p4", "p2", "p3", "p1", "p6", "p5"]
        ],
        [[{ field: "missing", direction: "desc" }], ["p1", "p2", "p3", "p4", "p5", "p6"]]
      ]
      for (const [orderBy, expected] of table) {
        it.effect(`orderBy ${JSON.stringify(orderBy ?? "(none)")} → [${expected}]`, () =>
          Effect.gen(function* () {
            const store = yield* ReadModelStore
            const collection = freshName("sort")
            yield* putAll(collection, sortDocuments)
            const listed = yield* store.list(collection, orderBy === undefined ? {} : { orderBy })
            assert.deepStrictEqual(ids(listed), expected)
            assert.deepStrictEqual(
              listed.map((d) => d.document),
              expected.map((id) => sortDocuments[id])
            )
          })
        )
      }

      it.effect("limit and offset page through a sorted, filtered list; count ignores paging", () =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore
          const collection = freshName("paging")
          yield* Effect.forEach(
            Array.from({ length: 25 }, (_, n) => n),
            (n) => store.put(collection, `d${String(n).padStart(2, "0")}`, { n, even: n % 2 === 0 }),
            { discard: true }
          )
          const orderBy = [{ field: "n", direction: "desc" }] as const
          const page = (offset: number) => store.list(collection, { orderBy, limit: 10, offset })
          const pages = [yield* page(0), yield* page(10), yield* page(20), yield* page(30)]
          assert.deepStrictEqual(
            pages.map((p) => p.length),
            [10, 10, 5, 0]
          )
          const all = Array.from({ length: 25 }, (_, i) => `d${String(24 - i).padStart(2, "0")}`)
          assert.deepStrictEqual(pages.flatMap(ids), all)
          assert.deepStrictEqual(ids(yield* store.list(collection, { orderBy, offset: 22 })), [
            "d02",
            "d01",
            "d00"
          ])
          assert.deepStrictEqual(yield* store.list(collection, { limit: 0 }), [])
          const where: ReadonlyArray<Condition> = [{ field: "even", op: "eq", value: true }]
          assert.deepStrictEqual(ids(yield* store.list(collection, { where, limit: 3, offset: 1 })), [
            "d02",
            "d04",
            "d06"
          ])
          assert.strictEqual(yield* store.count(collection), 25)
          assert.strictEqual(yield* store.count(collection, where), 13)
          assert.strictEqual(yield* store.count(collection, [{ field: "n", op: "gte", value: 20 }]), 5)
          assert.strictEqual(yield* store.count(freshName("empty")), 0)
        })
      )

      // Options no store can honour (they may come from an HTTP query) are refused, not guessed at.
      const invalid: ReadonlyArray<readonly [string, ListOptions]> = [
        ["a negative limit", { limit: -1 }],
        ["a fractional offset", { offset: 1.5 }],
        ["a NaN value", { where: [{ field: "n", op: "eq", value: Number.NaN }] }],
        ["an infinite value", { where: [{ field: "n", op: "lt", value: Number.POSITIVE_INFINITY }] }]
      ]
      for (const [label, options] of invalid) {
        it.effect(`refuses ${label} with a ReadModelError`, () =>
          Effect.gen(function* () {
            const store = yield* ReadModelStore
            const collection = freshName("invalid")
            yield* store.put(collection, "a", { n: 1 })
            const error = yield* refusal(store.list(collection, options))
            assert.strictEqual(error?.collection, collection)
            if (options.where !== undefined) yield* refusal(store.count(collection, options.where))
          })
        )
      }
    })

    describe("clear and indexes", () => {
      it.effect("clear removes every document of the collection and nothing else", () =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore
          const collection = freshName("clear")
          const other = freshName("kept")
          yield* putAll(collection, filterDocuments)
          yield* store.put(other, "a", { kept: true })
          yield* store.clear(collection)
          assert.deepStrictEqual(yield* store.list(collection), [])
          assert.strictEqual(yield* store.count(collection), 0)
          assert.isTrue(Option.isNone(yield* store.get(collection, "a")))
          assert.deepStrictEqual(yield* store.get(other, "a"), Option.some({ kept: true }))
          // The collection is usable again after a clear (a projection rebuild).
          yield* store.put(collection, "a", { n: 1 })
          assert.strictEqual(yield* store.count(collection), 1)
          yield* store.clear(freshName("never-used"))
        })
      )

      it.effect("ensureIndex is idempotent and changes no result", () =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore
          const collection = freshName("indexed")
          yield* putAll(collection, filterDocuments)
          const where: ReadonlyArray<Condition> = [{ field: "n", op: "gt", value: 9 }]
          const before = yield* store.list(collection, { where, orderBy: [{ field: "name" }] })
          yield* store.ensureIndex(collection, "n")
          yield* store.ensureIndex(collection, "n")
          yield* store.ensureIndex(collection, "name")
          yield* store.ensureIndex(freshName("other"), "n")
          yield* store.put(collection, "g", { n: 11, name: "grape" })
          const after = yield* store.list(collection, { where, orderBy: [{ field: "name" }] })
          assert.deepStrictEqual(ids(before), ["f", "a"])
          assert.deepStrictEqual(ids(after), ["f", "g", "a"])
        })
      )

      it.effect(
        "pages and counts on an indexed field match the reference order, ranges, offsets and limits",
        () => indexedPagesAgree
      )

      // Index fields become part of a statement in SQL stores: only plain names are taken, everywhere.
      const badFields: ReadonlyArray<string> = [
        "",
        "with-dash",
        "with space",
        'quote"',
        "x'); DROP TABLE read_models; --",
        "é",
        "a.b",
        "x".repeat(51)
      ]
      for (const field of badFields) {
        it.effect(`ensureIndex refuses the field ${JSON.stringify(field.slice(0, 40))}`, () =>
          Effect.gen(function* () {
            const store = yield* ReadModelStore
            const collection = freshName("bad-index")
            const error = yield* refusal(store.ensureIndex(collection, field))
            assert.strictEqual(error?.collection, collection)
            yield* store.put(collection, "a", { n: 1 })
            assert.strictEqual(yield* store.count(collection), 1)
          })
        )
      }

      it.effect("ensureIndex takes letters, digits and _ up to 50 characters", () =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore
          const collection = freshName("good-index")
          for (const field of ["status", "Created_At2", "_", "9lives", "y".repeat(50)])
            yield* store.ensureIndex(collection, field)
        })
      )
    })
  })
