/**
 * Versioned migrations, written with kysely's schema builder and run through the store's SQL client.
 * Each runs in its own transaction under an advisory lock, so several app instances starting at once
 * migrate exactly once; re-running is a no-op. (kysely's own Migrator needs a kysely driver; ours runs
 * on Effect's `SqlClient`, so migrations join the same pool and spans.)
 */
import { Effect } from "effect"
import type { SqlError } from "effect/sql"
import { type Compilable, type CompiledQuery, sql } from "kysely"
import { transaction } from "./internal/transaction.js"
import * as EventStoreTables from "./migrations/0001_event_store.js"
import * as SagaTables from "./migrations/0002_sagas.js"
import * as ReadModelTables from "./migrations/0003_read_models.js"
import * as AppendFunction from "./migrations/0004_append_function.js"
import * as AppendOrder from "./migrations/0005_append_order.js"
import * as SagaCorrelation from "./migrations/0006_saga_correlation.js"
import * as SagaTraceparent from "./migrations/0007_saga_traceparent.js"
import * as AppendFastPath from "./migrations/0008_append_fast_path.js"
import { PgDatabase } from "./PgDatabase.js"

interface Migration {
  readonly id: number
  readonly name: string
  readonly up: (
    db: PgDatabase["Service"]["db"],
    schema: string
  ) => ReadonlyArray<Compilable<unknown> | CompiledQuery<unknown>>
}

/** Every migration, in order. Append only: never edit or renumber a released one. */
export const all: ReadonlyArray<Migration> = [
  { id: 1, name: EventStoreTables.name, up: EventStoreTables.up },
  { id: 2, name: SagaTables.name, up: SagaTables.up },
  { id: 3, name: ReadModelTables.name, up: ReadModelTables.up },
  { id: 4, name: AppendFunction.name, up: AppendFunction.up },
  { id: 5, name: AppendOrder.name, up: AppendOrder.up },
  { id: 6, name: SagaCorrelation.name, up: SagaCorrelation.up },
  { id: 7, name: SagaTraceparent.name, up: SagaTraceparent.up },
  { id: 8, name: AppendFastPath.name, up: AppendFastPath.up }
]

/**
 * Applies the pending migrations numbered up to `last`; returns the ones it applied. (`run` applies
 * them all; stopping earlier sets up a database as an older version left it, to test an upgrade.)
 */
export const upTo = (last: number): Effect.Effect<ReadonlyArray<string>, SqlError.SqlError, PgDatabase> =>
  Effect.gen(function* () {
    const database = yield* PgDatabase
    const { db, run, config } = database
    return yield* transaction(
      database,
      Effect.gen(function* () {
        // One migrator at a time per schema; the lock is released at commit.
        yield* run(
          sql`SELECT pg_advisory_xact_lock(hashtext(${`cello-migrate:${config.schema}`}))`.compile(db)
        )
        yield* run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(config.schema)}`.compile(db))
        yield* run(
          db.schema
            .createTable("cello_migrations")
            .ifNotExists()
            .addColumn("id", "integer", (c) => c.primaryKey())
            .addColumn("name", "text", (c) => c.notNull())
            .addColumn("applied_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        )
        const done = new Set((yield* run(db.selectFrom("cello_migrations").select("id"))).map((r) => r.id))
        const applied: Array<string> = []
        for (const migration of all) {
          if (done.has(migration.id) || migration.id > last) continue
          for (const statement of migration.up(db, config.schema)) yield* run(statement)
          yield* run(db.insertInto("cello_migrations").values({ id: migration.id, name: migration.name }))
          applied.push(`${String(migration.id).padStart(4, "0")}_${migration.name}`)
        }
        return applied
      }),
      // A connection lost mid-migration is a typed failure too (nothing was committed).
      (error) => error
    )
  }).pipe(Effect.withSpan("PgStore.migrate"))

/** Applies pending migrations; returns the ones it applied (empty when up to date). */
export const run: Effect.Effect<ReadonlyArray<string>, SqlError.SqlError, PgDatabase> = upTo(
  Number.POSITIVE_INFINITY
)
