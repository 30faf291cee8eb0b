/**
 * `ensureIndex` keeps sorted sets of a field's numbers and strings, in step with every put, delete and
 * clear; range lists and string equalities on the field read only the documents that can match, and
 * the results equal an unindexed scan.
 */
import { ReadModelStore } from "@cello/cqrs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { RedisClient, RedisReadModelStore } from "../src/index.js"
import { clientLayer } from "./testRedis.js"

const ids = (documents: ReadonlyArray<ReadModelStore.StoredDocument>) => documents.map((d) => d.id)

/** The index's members with their scores, as Redis holds them. */
const indexOf = (collection: string, field: string) =>
  Effect.gen(function* () {
    const client = yield* RedisClient.RedisClient
    return yield* client
      .run("readIndex", (redis) =>
        redis.zrange(client.key("rm", "i", collection, field), "0", "-1", "WITHSCORES")
      )
      .pipe(Effect.orDie)
  })

describe("RedisReadModelStore indexes", () => {
  it.effect("the index follows puts, replacements, deletes and clears; range lists agree with scans", () =>
    Effect.gen(function* () {
      const store = yield* ReadModelStore.ReadModelStore
      yield* store.put("orders", "o1", { total: 30, status: "open" })
      yield* store.put("orders", "o2", { total: 5 })
      yield* store.put("orders", "o3", { total: "12" })
      yield* store.ensureIndex("orders", "total")
      // Filled from what was stored: numbers only.
      assert.deepStrictEqual(yield* indexOf("orders", "total"), ["o2", "5", "o1", "30"])
      yield* store.put("orders", "o4", { total: 1e21 })
      yield* store.put("orders", "o2", { total: "five" })
      yield* store.put("orders", "o3", { total: -2.5 })
      yield* store.delete("orders", "o1")
      assert.deepStrictEqual(yield* indexOf("orders", "total"), ["o3", "-2.5", "o4", "1e+21"])

      const ranges: ReadonlyArray<ReadonlyArray<ReadModelStore.Condition>> = [
        [{ field: "total", op: "gt", value: -2.5 }],
        [{ field: "total", op: "gte", value: -2.5 }],
        [{ field: "total", op: "lt", value: 1e21 }],
        [{ field: "total", op: "eq", value: 1e21 }],
        [
          { field: "total", op: "lte", value: 0 },
          { field: "total", op: "gt", value: -3 }
        ]
      ]
      const expected = [["o4"], ["o3", "o4"], ["o3"], ["o4"], ["o3"]]
      for (const [i, where] of ranges.entries()) {
        assert.deepStrictEqual(
          ids(yield* store.list("orders", { where })),
          expected[i],
          JSON.stringify(where)
        )
        assert.strictEqual(yield* store.count("orders", where), expected[i]?.length)
      }
      // A string value is compared as a string, never through the numeric index.
      assert.deepStrictEqual(
        ids(yield* store.list("orders", { where: [{ field: "total", op: "eq", value: "five" }] })),
        ["o2"]
      )
      yield* store.clear("orders")
      assert.deepStrictEqual(yield* indexOf("orders", "total"), [])
      // The declaration survives a clear: a rebuild is indexed again.
      yield* store.put("orders", "o9", { total: 9 })
      assert.deepStrictEqual(yield* indexOf("orders", "total"), ["o9", "9"])
    }).pipe(Effect.provide(RedisReadModelStore.layer.pipe(Layer.provideMerge(clientLayer("index")))))
  )

  it.effect(
    "string equality and its count through the index agree with a scan, whatever was put, replaced or deleted",
    () =>
      Effect.gen(function* () {
        const store = yield* ReadModelStore.ReadModelStore
        const client = yield* RedisClient.RedisClient
        yield* store.ensureIndex("indexed", "status")
        // The same writes to an indexed and a plain collection, in an order that replaces and deletes.
        const statuses = ["open", "shipped", "open:late", "", "Open", "shipped~", 7]
        // NUL is the index's separator (`value\0id`); an id may hold one too.
        for (const collection of ["indexed", "plain"])
          yield* store.put(collection, "o\u0000x", { status: "open" })
        for (let n = 0; n < 60; n++) {
          const status = statuses[(n * 5) % statuses.length]
          for (const collection of ["indexed", "plain"]) {
            yield* store.put(collection, `o${n % 23}`, { status, n })
            if (n % 9 === 0) yield* store.delete(collection, `o${(n * 7) % 23}`)
          }
        }
        const conditions: ReadonlyArray<ReadonlyArray<ReadModelStore.Condition>> = [
          ...statuses.map(
            (value): ReadonlyArray<ReadModelStore.Condition> => [{ field: "status", op: "eq", value }]
          ),
          [{ field: "status", op: "eq", value: "missing" }],
          [{ field: "status", op: "eq", value: "open\u0000" }],
          [
            { field: "status", op: "eq", value: "open" },
            { field: "n", op: "gt", value: 30 }
          ]
        ]
        for (const where of conditions) {
          const options = { where, orderBy: [{ field: "n", direction: "asc" as const }] }
          assert.deepStrictEqual(
            ids(yield* store.list("indexed", options)),
            ids(yield* store.list("plain", options)),
            JSON.stringify(where)
          )
          assert.strictEqual(
            yield* store.count("indexed", where),
            yield* store.count("plain", where),
            `count ${JSON.stringify(where)}`
          )
        }
        // Each stored string has one entry, for its document's current value only.
        const members = yield* client
          .run("readIndex", (redis) => redis.zrange(client.key("rm", "s", "indexed", "status"), "0", "-1"))
          .pipe(Effect.orDie)
        const stored = yield* store.list("indexed")
        const expected = stored.flatMap((d) => {
          const status =
            typeof d.document === "object" && d.document !== null
              ? Reflect.get(d.document, "status")
              : undefined
          return typeof status === "string" ? [`${status}\u0000${d.id}`] : []
        })
        assert.deepStrictEqual([...members].sort(), [...expected].sort())
        yield* store.clear("indexed")
        assert.strictEqual(
          yield* client
            .run("exists", (redis) => redis.exists(client.key("rm", "s", "indexed", "status")))
            .pipe(Effect.orDie),
          0
        )
      }).pipe(Effect.provide(RedisReadModelStore.layer.pipe(Layer.provideMerge(clientLayer("string-index")))))
  )
})
