/**
 * Read-model queries through the `ReadModelStore` port on Redis, PostgreSQL and memory: one
 * collection of 10,000 documents, 8 concurrent readers, each store measured in turn.
 */
import { ReadModelStore } from "@cello/cqrs"
import { MemoryReadModelStore } from "@cello/store-memory"
import { PgStore } from "@cello/store-postgres"
import { Effect, Layer, ManagedRuntime, Option, References } from "effect"
import { SqlClient } from "effect/sql"
import { RedisClient, RedisReadModelStore } from "../src/index.js"
import { throughput } from "./harness.js"

export const documents = 10_000
const concurrency = 8
const ms = Number(process.env.CELLO_BENCH_MS ?? 3000)

const quiet = Layer.succeed(References.MinimumLogLevel, "Warn")

export const stores = (redisUrl: string, databaseUrl: string, keyPrefix: string, schema: string) =>
  [
    ["Redis", RedisReadModelStore.layer.pipe(Layer.provide(RedisClient.layer({ url: redisUrl, keyPrefix })))],
    ["PostgreSQL", PgStore.layer({ url: databaseUrl, schema, poolSize: concurrency })],
    ["memory", MemoryReadModelStore.layer]
  ] as const

export const queries: ReadonlyArray<
  readonly [string, (store: ReadModelStore.ReadModelStoreShape, i: number) => Effect.Effect<unknown, unknown>]
> = [
  ["get by id", (store, i) => store.get("bench", `d${(i * 7919) % documents}`)],
  [
    "list: range on an indexed number (50 of 10,000)",
    (store, i) => {
      const from = (i * 50) % (documents - 50)
      return store.list("bench", {
        where: [
          { field: "n", op: "gte", value: from },
          { field: "n", op: "lt", value: from + 50 }
        ]
      })
    }
  ],
  [
    "list: equality on an indexed string, first 20 (100 of 10,000)",
    (store, i) =>
      store.list("bench", {
        where: [{ field: "customer", op: "eq", value: `c${i % 100}` }],
        orderBy: [{ field: "n", direction: "desc" }],
        limit: 20
      })
  ],
  [
    "list: a page of 20 ordered by an indexed number, newest first (of 10,000)",
    (store, i) =>
      store.list("bench", {
        orderBy: [{ field: "n", direction: "desc" }],
        offset: (i * 20) % 200,
        limit: 20
      })
  ],
  [
    "count: range on an indexed number (5,000 of 10,000)",
    (store) => store.count("bench", [{ field: "n", op: "gte", value: documents / 2 }])
  ],
  [
    "count: equality on an indexed string (100 of 10,000)",
    (store, i) => store.count("bench", [{ field: "customer", op: "eq", value: `c${i % 100}` }])
  ],
  [
    "list: equality on a plain field, first 20 (100 of 10,000)",
    (store, i) =>
      store.list("bench", {
        where: [{ field: "region", op: "eq", value: `r${i % 100}` }],
        orderBy: [{ field: "n", direction: "desc" }],
        limit: 20
      })
  ]
]

/** PostgreSQL's version, and its bench schema dropped (where the store is PostgreSQL). */
const postgresCleanUp = (schema: string) =>
  Effect.serviceOption(SqlClient.SqlClient).pipe(
    Effect.flatMap(
      Option.match({
        onNone: () => Effect.succeed(""),
        onSome: (sql) =>
          Effect.gen(function* () {
            const rows = yield* sql.unsafe<{ v: string }>("SELECT current_setting('server_version') AS v")
            yield* sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
            return rows[0]?.v ?? ""
          })
      })
    )
  )

/** Operations per second of each query (rows) on each store (columns, in `stores` order). */
export const run = async (
  redisUrl: string,
  databaseUrl: string,
  keyPrefix: string,
  schema: string
): Promise<{ readonly results: ReadonlyArray<ReadonlyArray<number>>; readonly postgresVersion: string }> => {
  const results: Array<Array<number>> = queries.map(() => [])
  let postgresVersion = "unknown"
  for (const [, layer] of stores(redisUrl, databaseUrl, keyPrefix, schema)) {
    const runtime = ManagedRuntime.make(Layer.merge(layer, quiet))
    const store = await runtime.runPromise(
      Effect.gen(function* () {
        return yield* ReadModelStore.ReadModelStore
      })
    )
    await runtime.runPromise(
      Effect.gen(function* () {
        yield* store.clear("bench")
        yield* store.ensureIndex("bench", "n")
        yield* store.ensureIndex("bench", "customer")
        yield* Effect.forEach(
          Array.from({ length: documents }, (_, n) => n),
          (n) =>
            store.put("bench", `d${n}`, {
              n,
              customer: `c${n % 100}`,
              region: `r${n % 100}`,
              status: "open",
              lines: [{ sku: "x", qty: 1 }]
            }),
          { concurrency, discard: true }
        )
      })
    )
    for (const [q, [, query]] of queries.entries()) {
      await throughput(runtime, (i) => query(store, i), { ms: ms / 5, concurrency }) // warm-up
      results[q]?.push(await throughput(runtime, (i) => query(store, i), { ms, concurrency }))
    }
    await runtime.runPromise(store.clear("bench"))
    postgresVersion = (await runtime.runPromise(postgresCleanUp(schema))) || postgresVersion
    await runtime.dispose()
  }
  return { results, postgresVersion }
}
