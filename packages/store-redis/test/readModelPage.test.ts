/**
 * Pages ordered by an indexed number field come from the index, and counts of number comparisons on
 * an indexed field are the index's count: the answers equal an unindexed scan's for every order,
 * range, offset and limit (ties, negative and fractional numbers, documents without a number), and
 * Redis never reads the whole collection for them.
 */
import { ReadModelStore } from "@cello/cqrs"
import { type RedisServer, startRedisServer } from "@cello/tooling/redis"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { RedisClient, RedisReadModelStore } from "../src/index.js"
import { clientLayer } from "./testRedis.js"

type Condition = ReadModelStore.Condition
type Order = NonNullable<ReadModelStore.ListOptions["orderBy"]>

const ids = (documents: ReadonlyArray<ReadModelStore.StoredDocument>) => documents.map((d) => d.id)

/** A small deterministic generator, so a failure names a case that runs again the same. */
const generator = (seed: number) => {
  let state = seed
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  }
}

const values: ReadonlyArray<unknown> = [0, 1, 1, 2, -1, 2.5, -0.5, 1e21, 2, 1]
const odd: ReadonlyArray<unknown> = ["2", null, undefined, true]

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

/** The same documents in an indexed and a plain collection; `mixed` adds some without a number in n. */
const fill = (store: ReadModelStore.ReadModelStoreShape, seed: number, mixed: boolean) =>
  Effect.gen(function* () {
    const next = generator(seed)
    yield* store.ensureIndex("indexed", "n")
    for (let i = 0; i < 40; i++) {
      const n = mixed && next(5) === 0 ? odd[next(odd.length)] : values[next(values.length)]
      const document = n === undefined ? { k: next(3) } : { n, k: next(3) }
      const id = `d${next(30)}`
      for (const collection of ["indexed", "plain"]) yield* store.put(collection, id, document)
    }
  })

describe("RedisReadModelStore pages and counts through an index", () => {
  it.effect("agree with a scan for every order, range, offset and limit", () =>
    Effect.gen(function* () {
      const store = yield* ReadModelStore.ReadModelStore
      for (const [seed, mixed] of [
        [1, false],
        [2, true],
        [3, false],
        [4, true]
      ] as const) {
        yield* store.clear("indexed")
        yield* store.clear("plain")
        yield* fill(store, seed, mixed)
        for (const where of ranges) {
          assert.strictEqual(
            yield* store.count("indexed", where),
            yield* store.count("plain", where),
            `count, seed ${seed}, ${JSON.stringify(where)}`
          )
          for (const orderBy of orders)
            for (const [offset, limit] of [
              [0, 0],
              [0, 1],
              [0, 3],
              [2, 3],
              [5, 7],
              [0, 100],
              [38, 5]
            ] as const) {
              const options = { where, orderBy, offset, limit }
              assert.deepStrictEqual(
                ids(yield* store.list("indexed", options)),
                ids(yield* store.list("plain", options)),
                `seed ${seed}, ${JSON.stringify(options)}`
              )
            }
        }
      }
    }).pipe(Effect.provide(RedisReadModelStore.layer.pipe(Layer.provideMerge(clientLayer("page")))))
  )

  it.effect("reads a page and a range count without reading the collection (a Redis of the test's own)", () =>
    Effect.acquireUseRelease(
      Effect.promise((): Promise<RedisServer> => startRedisServer()),
      (server) =>
        Effect.gen(function* () {
          const store = yield* ReadModelStore.ReadModelStore
          const client = yield* RedisClient.RedisClient
          const wholeReads = client
            .run("info", (redis) => redis.info("commandstats"))
            .pipe(
              Effect.orDie,
              Effect.map((info) => Number(/cmdstat_hgetall:calls=(\d+)/.exec(info)?.[1] ?? 0))
            )
          yield* store.ensureIndex("orders", "created_at")
          yield* Effect.forEach(
            Array.from({ length: 500 }, (_, i) => i),
            (i) => store.put("orders", `o${i}`, { created_at: 1000 + (i % 250), status: "open" }),
            { discard: true, concurrency: 8 }
          )
          const before = yield* wholeReads
          const newest = yield* store.list("orders", {
            orderBy: [{ field: "created_at", direction: "desc" }],
            limit: 3
          })
          const range: ReadonlyArray<Condition> = [{ field: "created_at", op: "gte", value: 1240 }]
          const counted = yield* store.count("orders", range)
          assert.strictEqual(yield* wholeReads, before, "no HGETALL for an indexed page or count")
          assert.deepStrictEqual(ids(newest), ["o249", "o499", "o248"])
          assert.strictEqual(counted, 20)
          // A page ordered by a field without an index reads the collection: the check above can fail.
          yield* store.list("orders", { orderBy: [{ field: "status" }], limit: 3 })
          assert.strictEqual(yield* wholeReads, before + 1)
        }).pipe(
          Effect.provide(
            RedisReadModelStore.layer.pipe(
              Layer.provideMerge(RedisClient.layer({ url: server.url, keyPrefix: "page:" }))
            )
          )
        ),
      (server) => Effect.promise(() => server.dispose())
    )
  )
})
