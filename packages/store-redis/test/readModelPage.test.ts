/**
 * Pages ordered by an indexed number field come from the index, and counts of number comparisons on
 * an indexed field are the index's count: Redis does not read the whole collection for them. (That
 * they give the reference answers is the conformance suite's `indexedPages` case.)
 */
import { ReadModelStore } from "@cello/cqrs"
import { type RedisServer, startRedisServer } from "@cello/tooling/redis"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { RedisClient, RedisReadModelStore } from "../src/index.js"

type Condition = ReadModelStore.Condition

const ids = (documents: ReadonlyArray<ReadModelStore.StoredDocument>) => documents.map((d) => d.id)

describe("RedisReadModelStore pages and counts through an index", () => {
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
