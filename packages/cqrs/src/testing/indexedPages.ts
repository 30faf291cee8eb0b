/**
 * Pages and counts on an indexed field, checked against the reference semantics (`ReadModelQuery`):
 * stores may answer them from their index (Redis walks a sorted set, PostgreSQL its expression index),
 * and must still give the same documents in the same order for every order, range, offset and limit,
 * with ties, negative and fractional numbers, and documents holding no number in the field.
 */
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import * as ReadModelQuery from "../ReadModelQuery.js"
import { type Condition, type ListOptions, ReadModelStore } from "../ReadModelStore.js"
import { freshName } from "./fixtures.js"

type Order = NonNullable<ListOptions["orderBy"]>

/** A small deterministic generator, so a failure names a case that runs again the same. */
const generator = (seed: number) => {
  let state = seed
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  }
}

const numbers: ReadonlyArray<number> = [0, 1, 1, 2, -1, 2.5, -0.5, 1e21, 2, 1]
const others: ReadonlyArray<unknown> = ["2", null, undefined, true]

const orders: ReadonlyArray<Order> = [
  [{ field: "n" }],
  [{ field: "n", direction: "desc" }],
  [
    { field: "n", direction: "desc" },
    { field: "k", direction: "asc" }
  ],
  [
    { field: "n", direction: "asc" },
    { field: "k", direction: "desc" }
  ]
]

const ranges: ReadonlyArray<ReadonlyArray<Condition>> = [
  [],
  [{ field: "n", op: "gte", value: 1 }],
  [{ field: "n", op: "gt", value: 1 }],
  [
    { field: "n", op: "gt", value: -1 },
    { field: "n", op: "lte", value: 2 }
  ],
  [{ field: "n", op: "eq", value: 2 }],
  [{ field: "n", op: "lt", value: 0 }]
]

const pages: ReadonlyArray<readonly [offset: number, limit: number]> = [
  [0, 0],
  [0, 1],
  [0, 3],
  [2, 3],
  [5, 7],
  [0, 100],
  [28, 5]
]

/** `mixed`: some documents hold a string, null, a boolean or nothing in n. */
const documents = (seed: number, mixed: boolean): ReadonlyMap<string, Readonly<Record<string, unknown>>> => {
  const next = generator(seed)
  const stored = new Map<string, Readonly<Record<string, unknown>>>()
  for (let i = 0; i < 40; i++) {
    const n = mixed && next(5) === 0 ? others[next(others.length)] : numbers[next(numbers.length)]
    const k = next(3)
    stored.set(`d${next(30)}`, n === undefined ? { k } : { n, k })
  }
  // Each kind of non-number at least once, whatever the draw.
  if (mixed)
    for (const [i, n] of others.entries()) stored.set(`x${i}`, n === undefined ? { k: i } : { n, k: i })
  return stored
}

const expected = (stored: ReadonlyMap<string, ReadModelQuery.Document>, options: ListOptions) => {
  const where = options.where ?? []
  const offset = options.offset ?? 0
  return [...stored]
    .map(([id, document]) => ({ id, document }))
    .filter((entry) => where.every((condition) => ReadModelQuery.matches(entry.document, condition)))
    .sort(ReadModelQuery.byOrder(options.orderBy ?? []))
    .slice(offset, options.limit === undefined ? undefined : offset + options.limit)
    .map((entry) => entry.id)
}

export const indexedPagesAgree = Effect.gen(function* () {
  const store = yield* ReadModelStore
  for (const [seed, mixed] of [
    [1, false],
    [2, true],
    [3, false],
    [4, true]
  ] as const) {
    const collection = freshName("pages")
    yield* store.ensureIndex(collection, "n")
    const stored = documents(seed, mixed)
    yield* Effect.forEach(stored, ([id, document]) => store.put(collection, id, document), { discard: true })
    for (const where of ranges) {
      assert.strictEqual(
        yield* store.count(collection, where),
        expected(stored, { where }).length,
        `count, seed ${seed}, ${JSON.stringify(where)}`
      )
      for (const orderBy of orders)
        for (const [offset, limit] of pages) {
          const options = { where, orderBy, offset, limit }
          const listed = yield* store.list(collection, options)
          assert.deepStrictEqual(
            listed.map((d) => d.id),
            expected(stored, options),
            `seed ${seed}, ${JSON.stringify(options)}`
          )
        }
    }
    yield* store.clear(collection)
  }
})
