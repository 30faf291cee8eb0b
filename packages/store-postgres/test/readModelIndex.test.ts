/**
 * What `ensureIndex` does in PostgreSQL: a real expression index that filters and pages use, and
 * nothing else.
 */
import { ReadModelStore } from "@cello/cqrs"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { PgDatabase } from "../src/index.js"
import { listQuery } from "../src/internal/documentQuery.js"
import { storeLayer } from "./testDatabase.js"

layer(storeLayer("index"), { excludeTestServices: true })("PgReadModelStore indexes", (it) => {
  const indexes = Effect.gen(function* () {
    const database = yield* PgDatabase.PgDatabase
    const rows = yield* database.sql<{ readonly indexname: string }>`
      select indexname from pg_indexes
      where schemaname = ${database.config.schema} and tablename = 'read_models' order by indexname`
    return rows.map((r) => r.indexname)
  })

  it.effect("creates one expression index per field, once, and refuses other names without SQL", () =>
    Effect.gen(function* () {
      const store = yield* ReadModelStore.ReadModelStore
      yield* store.ensureIndex("orders", "status")
      yield* store.ensureIndex("orders", "status")
      yield* store.ensureIndex("invoices", "status")
      yield* store.ensureIndex("orders", "total")
      const error = yield* Effect.flip(store.ensureIndex("orders", "x')); drop table read_models; --"))
      assert.strictEqual(error._tag, "ReadModelError")
      assert.deepStrictEqual(yield* indexes, ["read_models_pkey", "read_models_status", "read_models_total"])
    })
  )

  it.effect("lists filtering on an indexed field use its index", () =>
    Effect.gen(function* () {
      const store = yield* ReadModelStore.ReadModelStore
      const database = yield* PgDatabase.PgDatabase
      yield* store.ensureIndex("shipments", "state")
      yield* Effect.forEach(
        Array.from({ length: 400 }, (_, i) => i),
        (i) => store.put("shipments", `s${i}`, { state: ["new", "sent", "lost", "done"][i % 4], weight: i }),
        { discard: true, concurrency: 8 }
      )
      yield* database.sql`analyze ${database.sql(database.config.schema)}.read_models`
      const plan = (options: ReadModelStore.ListOptions, indexed: ReadonlyArray<string> = []) =>
        database.sql.withTransaction(
          Effect.gen(function* () {
            // A small table is cheaper to scan (or to read through a bitmap and sort); forbid that so the
            // plan shows what the index serves.
            yield* database.sql`set local enable_seqscan = off`
            yield* database.sql`set local enable_bitmapscan = off`
            const compiled = listQuery(database.db, "shipments", options, new Set(indexed))
            const rows = yield* database.sql.unsafe<{ readonly "QUERY PLAN": unknown }>(
              `explain (format json) ${compiled.sql}`,
              compiled.parameters
            )
            return JSON.stringify(rows.map((r) => r["QUERY PLAN"]))
          })
        )
      // The condition on the field is an index condition, not a filter on rows already read.
      const served = (field: string) => new RegExp(`"Index Cond":"[^"]*document -> '${field}'`)
      assert.match(yield* plan({ where: [{ field: "state", op: "eq", value: "lost" }] }), served("state"))
      assert.match(
        yield* plan({ where: [{ field: "state", op: "in", value: ["new", "sent"] }] }),
        served("state")
      )
      assert.notMatch(yield* plan({ where: [{ field: "weight", op: "gt", value: 10 }] }), served("weight"))
      yield* store.ensureIndex("shipments", "weight")
      yield* database.sql`analyze ${database.sql(database.config.schema)}.read_models`
      assert.match(yield* plan({ where: [{ field: "weight", op: "gt", value: 390 }] }), served("weight"))
      assert.strictEqual(yield* store.count("shipments", [{ field: "state", op: "eq", value: "lost" }]), 100)

      // A page ordered by an indexed field can walk its index (backward for desc) and stop after the
      // page; unindexed (not declared in this process), the same list cannot.
      const walked = (direction: string) =>
        new RegExp(`"Scan Direction":"${direction}","Index Name":"read_models_weight"`)
      const newest = { orderBy: [{ field: "weight", direction: "desc" as const }], limit: 5 }
      assert.match(yield* plan(newest, ["weight"]), walked("Backward"))
      assert.notMatch(yield* plan(newest), walked("Backward"))
      const ranged = {
        where: [{ field: "weight", op: "gte" as const, value: 100 }],
        orderBy: [{ field: "weight" }, { field: "state", direction: "desc" as const }],
        limit: 5
      }
      assert.match(yield* plan(ranged, ["weight"]), walked("Forward"))
    })
  )
})
