/**
 * What `ensureIndex` does on MySQL/MariaDB: generated columns and indexes, made once even by
 * concurrent callers, that filters and number-ranged pages use (EXPLAIN shows it), with the same
 * results as without them (strings longer than the indexed prefix included).
 */
import { ReadModelStore } from "@cello/cqrs"
import { assert, layer } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "../src/index.js"
import { countQuery, listQuery } from "../src/internal/documentQuery.js"
import { ensureIndexColumns } from "../src/internal/ensureIndexColumns.js"
import { storeLayer } from "./testDatabase.js"

layer(storeLayer("index"), { excludeTestServices: true })("MysqlReadModelStore indexes", (it) => {
  const raw = (text: string, parameters: ReadonlyArray<unknown> = []) =>
    Effect.gen(function* () {
      const database = yield* MysqlDatabase.MysqlDatabase
      return yield* database.run<Record<string, unknown>>(CompiledQuery.raw(text, [...parameters]))
    })
  const schema = (from: "COLUMNS" | "STATISTICS", column: "COLUMN_NAME" | "INDEX_NAME") =>
    Effect.gen(function* () {
      const database = yield* MysqlDatabase.MysqlDatabase
      const rows = yield* raw(
        `SELECT DISTINCT ${column} AS name FROM information_schema.${from} WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'read_models' ORDER BY name`,
        [database.config.database]
      )
      return rows.map((row) => String(row.name))
    })

  it.effect(
    "creates a field's columns and indexes once, for concurrent callers too, and refuses other names",
    () =>
      Effect.gen(function* () {
        const store = yield* ReadModelStore.ReadModelStore
        yield* Effect.all(
          Array.from({ length: 4 }, () => store.ensureIndex("orders", "status")),
          { concurrency: 4, discard: true }
        )
        yield* store.ensureIndex("invoices", "status")
        yield* store.ensureIndex("orders", "total")
        const error = yield* Effect.flip(store.ensureIndex("orders", "x`); drop table read_models; --"))
        assert.strictEqual(error._tag, "ReadModelError")
        assert.deepStrictEqual(yield* schema("STATISTICS", "INDEX_NAME"), [
          "PRIMARY",
          "read_models_n_status",
          "read_models_n_total",
          "read_models_s_status",
          "read_models_s_total"
        ])
        assert.deepStrictEqual(yield* schema("COLUMNS", "COLUMN_NAME"), [
          "cello_n_status",
          "cello_n_total",
          "cello_s_status",
          "cello_s_total",
          "collection",
          "document",
          "id",
          "updated_at"
        ])
      })
  )

  it.effect("filters on an indexed field give the results they give without the index", () =>
    Effect.gen(function* () {
      const store = yield* ReadModelStore.ReadModelStore
      const database = yield* MysqlDatabase.MysqlDatabase
      const long = "x".repeat(300)
      const values: ReadonlyArray<unknown> = [
        "a",
        "b",
        "a ",
        "",
        "é",
        `${long}a`,
        `${long}b`,
        long,
        "x".repeat(255),
        1,
        2.5,
        -3,
        "1",
        true,
        false,
        null,
        undefined,
        [1],
        { a: 1 }
      ]
      yield* Effect.forEach(
        values.entries(),
        ([i, v]) => store.put("mixed", `m${i}`, v === undefined ? {} : { v, i }),
        { discard: true }
      )
      yield* store.ensureIndex("mixed", "v")
      const conditions: ReadonlyArray<ReadModelStore.Condition> = [
        ...["a", "", `${long}a`, long, "x".repeat(255), "é", "1"].flatMap((value) =>
          (["eq", "neq", "gt", "gte", "lt", "lte"] as const).map((op) => ({ field: "v", op, value }))
        ),
        ...[1, 2.5, -3, 0].flatMap((value) =>
          (["eq", "neq", "gt", "gte", "lt", "lte"] as const).map((op) => ({ field: "v", op, value }))
        ),
        { field: "v", op: "eq", value: true },
        { field: "v", op: "eq", value: null },
        { field: "v", op: "in", value: ["a", `${long}b`] },
        { field: "v", op: "in", value: [1, -3] },
        { field: "v", op: "in", value: ["a", 1, true] }
      ]
      const ids = (options: ReadModelStore.ListOptions, indexed: ReadonlyArray<string>) =>
        Effect.map(database.run(listQuery(database.db, "mixed", options, new Set(indexed))), (rows) =>
          rows.map((row) => row.id)
        )
      for (const condition of conditions)
        for (const orderBy of [[{ field: "v" }], [{ field: "v", direction: "desc" as const }]]) {
          const options = { where: [condition], orderBy, limit: 50 }
          assert.deepStrictEqual(
            yield* ids(options, ["v"]),
            yield* ids(options, []),
            JSON.stringify(condition)
          )
        }
      // The store's own list and count, which use the index now.
      assert.deepStrictEqual(
        (yield* store.list("mixed", { where: [{ field: "v", op: "gt", value: long }] })).map((d) => d.id),
        ["m4", "m5", "m6"]
      )
      assert.strictEqual(yield* store.count("mixed", [{ field: "v", op: "lte", value: 2.5 }]), 3)
    })
  )

  it.effect("lists and pages on an indexed field use its index; unindexed, they cannot", () =>
    Effect.gen(function* () {
      const store = yield* ReadModelStore.ReadModelStore
      const database = yield* MysqlDatabase.MysqlDatabase
      // 10,000 documents, written in one statement: on a few hundred rows, reading the whole
      // collection in id order costs the planner less than an index, and the plan would prove nothing.
      const digits =
        "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
      yield* raw(
        `INSERT INTO \`${database.config.database}\`.read_models (collection, id, document, updated_at)
         SELECT 'shipments', CONCAT('s', n), JSON_OBJECT('state', IF(n % 100 = 0, 'lost', 'sent'), 'weight', n), UTC_TIMESTAMP(6)
         FROM (SELECT a.d * 1000 + b.d * 100 + c.d * 10 + e.d AS n FROM ${digits} a, ${digits} b, ${digits} c, ${digits} e) numbers`
      )
      yield* store.ensureIndex("shipments", "state")
      yield* store.ensureIndex("shipments", "weight")
      yield* raw(`ANALYZE TABLE \`${database.config.database}\`.read_models`)
      /**
       * Whether the plan reads `read_models` through `index` (alone or intersected with the primary
       * key), and whether it sorts the rows afterwards.
       */
      const plan = (
        options: ReadModelStore.ListOptions,
        indexed: ReadonlyArray<string>,
        index: string,
        query: "list" | "count" = "list"
      ) =>
        Effect.gen(function* () {
          const compiled =
            query === "list"
              ? listQuery(database.db, "shipments", options, new Set(indexed))
              : countQuery(database.db, "shipments", options.where ?? [], new Set(indexed)).compile()
          // The first row is the (first) SELECT of the list; the others, subqueries and a UNION's branch.
          const [row] = yield* raw(`EXPLAIN ${compiled.sql}`, compiled.parameters)
          return {
            uses: String(row?.key).split(",").includes(index),
            sorts: String(row?.Extra).includes("filesort")
          }
        })
      const lost = { where: [{ field: "state", op: "eq" as const, value: "lost" }] }
      assert.isTrue((yield* plan(lost, ["state"], "read_models_s_state")).uses)
      assert.isFalse((yield* plan(lost, [], "read_models_s_state")).uses)
      assert.isTrue((yield* plan(lost, ["state"], "read_models_s_state", "count")).uses)
      assert.isFalse((yield* plan(lost, [], "read_models_s_state", "count")).uses)
      const heavy = { where: [{ field: "weight", op: "gt" as const, value: 9990 }] }
      assert.isTrue((yield* plan(heavy, ["weight"], "read_models_n_weight")).uses)
      assert.isFalse((yield* plan(heavy, [], "read_models_n_weight")).uses)
      // A page ordered by the ranged field walks its index in order: no sort of the matching rows.
      const page = {
        where: [{ field: "weight", op: "gte" as const, value: 1000 }],
        orderBy: [{ field: "weight" }],
        limit: 5
      }
      assert.deepStrictEqual(yield* plan(page, ["weight"], "read_models_n_weight"), {
        uses: true,
        sorts: false
      })
      assert.deepStrictEqual(yield* plan(page, [], "read_models_n_weight"), { uses: false, sorts: true })
      // Unfiltered, when every document holds a number there (one probe for one that does not).
      const lightest = { orderBy: [{ field: "weight" }], limit: 3 }
      assert.deepStrictEqual(yield* plan(lightest, ["weight"], "read_models_n_weight"), {
        uses: true,
        sorts: false
      })
      assert.deepStrictEqual(yield* plan(lightest, [], "read_models_n_weight"), { uses: false, sorts: true })
      assert.deepStrictEqual(
        (yield* store.list("shipments", lightest)).map((d) => d.id),
        ["s0", "s1", "s2"]
      )
      yield* store.put("shipments", "unweighed", { state: "new" })
      assert.deepStrictEqual(
        (yield* store.list("shipments", {
          ...lightest,
          orderBy: [{ field: "weight", direction: "desc" }]
        })).map((d) => d.id),
        ["s9999", "s9998", "s9997"]
      )
      assert.deepStrictEqual(
        (yield* store.list("shipments", { ...lightest, offset: 9999 })).map((d) => d.id),
        ["s9999", "unweighed"]
      )
      assert.deepStrictEqual(
        (yield* store.list("shipments", page)).map((d) => d.id),
        ["s1000", "s1001", "s1002", "s1003", "s1004"]
      )
      assert.strictEqual(yield* store.count("shipments", lost.where), 100)
    })
  )

  it.effect("a descending page reads the rows from its last value up, not the collection", () =>
    Effect.gen(function* () {
      const store = yield* ReadModelStore.ReadModelStore
      const database = yield* MysqlDatabase.MysqlDatabase
      // 10,000 documents, `score` n % 2,000: every value five times, so pages end inside ties.
      const digits =
        "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"
      yield* raw(
        `INSERT INTO \`${database.config.database}\`.read_models (collection, id, document, updated_at)
         SELECT 'scores', CONCAT('p', n), JSON_OBJECT('score', n % 2000, 'pad', REPEAT('x', 200)), UTC_TIMESTAMP(6)
         FROM (SELECT a.d * 1000 + b.d * 100 + c.d * 10 + e.d AS n FROM ${digits} a, ${digits} b, ${digits} c, ${digits} e) numbers`
      )
      yield* store.ensureIndex("scores", "score")
      yield* raw(`ANALYZE TABLE \`${database.config.database}\`.read_models`)
      const desc = [{ field: "score", direction: "desc" as const }]
      /** The plan's step that reads the page's rows: its index and how many rows it expects to read. */
      const pageRead = (options: ReadModelStore.ListOptions, indexed: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const compiled = listQuery(database.db, "scores", options, new Set(indexed))
          const steps = yield* raw(`EXPLAIN ${compiled.sql}`, compiled.parameters)
          const step = steps.find((row) => row.table === "read_models" && Number(row.id) === 1)
          return { key: String(step?.key), rows: Number(step?.rows) }
        })
      const top = { orderBy: desc, limit: 7 }
      const indexedRead = yield* pageRead(top, ["score"])
      assert.strictEqual(indexedRead.key, "read_models_n_score")
      assert.isBelow(indexedRead.rows, 100)
      assert.isAtLeast((yield* pageRead(top, [])).rows, 5000)
      const ranged = { where: [{ field: "score", op: "lt" as const, value: 1500 }], orderBy: desc, limit: 7 }
      assert.isBelow((yield* pageRead(ranged, ["score"])).rows, 100)
      // The same ids as the unindexed full sort, ties by id, at every page edge tried.
      const ids = (options: ReadModelStore.ListOptions, indexed: ReadonlyArray<string>) =>
        Effect.map(database.run(listQuery(database.db, "scores", options, new Set(indexed))), (rows) =>
          rows.map((row) => row.id)
        )
      for (const where of [[], ranged.where, [{ field: "score", op: "gte" as const, value: 1998 }]])
        for (const [limit, offset] of [
          [7, 0],
          [3, 4],
          [5, 5],
          [1, 9999],
          [12, 9995],
          [4, 20000]
        ] as const) {
          const options = { where, orderBy: desc, limit, offset }
          assert.deepStrictEqual(
            yield* ids(options, ["score"]),
            yield* ids(options, []),
            JSON.stringify(options)
          )
        }
      assert.deepStrictEqual(
        (yield* store.list("scores", top)).map((d) => d.id),
        ["p1999", "p3999", "p5999", "p7999", "p9999", "p1998", "p3998"]
      )
      // A document without a number there: the full sort answers, and puts it last.
      yield* store.put("scores", "unscored", { pad: "" })
      assert.deepStrictEqual(
        (yield* store.list("scores", { orderBy: desc, limit: 2, offset: 9999 })).map((d) => d.id),
        ["p8000", "unscored"]
      )
    })
  )

  it.effect("a caller that waits out the lock timeout for another's DDL fails naming the lock", () =>
    Effect.gen(function* () {
      const database = yield* MysqlDatabase.MysqlDatabase
      const store = yield* ReadModelStore.ReadModelStore
      const lockName = `cello-index:${database.config.database}`.slice(0, 64)
      const held = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      // Another instance's ensureIndex, holding the lock on its own connection.
      const other = yield* database
        .withConnection(
          Effect.gen(function* () {
            yield* raw("SELECT GET_LOCK(?, 10)", [lockName])
            yield* Deferred.succeed(held, undefined)
            yield* Deferred.await(release)
            yield* raw("SELECT RELEASE_LOCK(?)", [lockName])
          })
        )
        .pipe(Effect.forkChild)
      yield* Deferred.await(held)
      const error = yield* Effect.flip(ensureIndexColumns(database, "late", Duration.seconds(1)))
      assert.strictEqual(error.code, "CELLO_INDEX_LOCK")
      assert.include(error.message, `the index lock ${lockName} for 1 s`)
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(other)
      // Once the lock is free, the same call goes through.
      yield* store.ensureIndex("late", "late")
      const columns = yield* raw(
        `SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'read_models' AND COLUMN_NAME LIKE 'cello\\_%\\_late'`,
        [database.config.database]
      )
      assert.strictEqual(columns.length, 2)
    })
  )
})
