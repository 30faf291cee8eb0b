/**
 * `ensureIndex` keeps a sorted set of a field's numbers, in step with every put, delete and clear,
 * and range lists on the field read only the documents in range: the results equal an unindexed scan.
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
})
