/**
 * Versioned migrations, run under a `GET_LOCK` named after the store's database, so several app
 * instances starting at once migrate exactly once; re-running is a no-op. MySQL commits DDL
 * implicitly (a migration cannot be one transaction), so every statement is re-runnable: a migration
 * cut half-way is completed by the next run.
 */
import { Effect } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "./MysqlDatabase.js"
import { MysqlError } from "./MysqlError.js"
import * as EventStoreTables from "./migrations/0001_event_store.js"
import * as ReadModelTables from "./migrations/0002_read_models.js"
import * as SagaTables from "./migrations/0003_sagas.js"
import * as AppendProcedure from "./migrations/0004_append_procedure.js"
import * as SagaCorrelation from "./migrations/0005_saga_correlation.js"
import * as SagaTraceparent from "./migrations/0006_saga_traceparent.js"
import * as AppendIdCheck from "./migrations/0007_append_id_check.js"

interface Migration {
  readonly id: number
  readonly name: string
  /** The statements, given a function that quotes a table name into the store's database. */
  readonly up: (q: (name: string) => string) => ReadonlyArray<string>
}

/** Every migration, in order. Append only: never edit or renumber a released one. */
export const all: ReadonlyArray<Migration> = [
  { id: 1, name: EventStoreTables.name, up: EventStoreTables.up },
  { id: 2, name: ReadModelTables.name, up: ReadModelTables.up },
  { id: 3, name: SagaTables.name, up: SagaTables.up },
  { id: 4, name: AppendProcedure.name, up: AppendProcedure.up },
  { id: 5, name: SagaCorrelation.name, up: SagaCorrelation.up },
  { id: 6, name: SagaTraceparent.name, up: SagaTraceparent.up },
  { id: 7, name: AppendIdCheck.name, up: AppendIdCheck.up }
]

/** How long an instance waits for another one's migration before failing (seconds). */
const lockTimeoutSeconds = 60

const quote = (identifier: string): string => `\`${identifier.replaceAll("`", "``")}\``

/** Applies the pending migrations; returns the ones it applied (empty when up to date). */
export const run: Effect.Effect<ReadonlyArray<string>, MysqlError, MysqlDatabase> = Effect.gen(function* () {
  const database = yield* MysqlDatabase
  const name = database.config.database
  const q = (table: string) => `${quote(name)}.${quote(table)}`
  const raw = (text: string, parameters: ReadonlyArray<unknown> = []) =>
    database.run<Record<string, unknown>>(CompiledQuery.raw(text, [...parameters]))
  return yield* database.withConnection(
    Effect.gen(function* () {
      // The lock belongs to this connection: released below, or by the server if the connection dies.
      const lockName = `cello-migrate:${name}`.slice(0, 64)
      const [locked] = yield* raw("SELECT GET_LOCK(?, ?) AS ok", [lockName, lockTimeoutSeconds])
      if (String(locked?.ok) !== "1")
        return yield* new MysqlError({
          code: "CELLO_MIGRATION_LOCK",
          errno: 0,
          message: `another instance held the migration lock ${lockName} for ${lockTimeoutSeconds} s`,
          fatal: false
        })
      return yield* Effect.gen(function* () {
        yield* raw(`CREATE DATABASE IF NOT EXISTS ${quote(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`)
        yield* raw(
          `CREATE TABLE IF NOT EXISTS ${q("cello_migrations")} (
            id INT UNSIGNED NOT NULL PRIMARY KEY,
            name VARCHAR(255) NOT NULL,
            applied_at DATETIME(6) NOT NULL
          ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`
        )
        const done = new Set(
          (yield* raw(`SELECT id FROM ${q("cello_migrations")}`)).map((row) => Number(row.id))
        )
        const applied: Array<string> = []
        for (const migration of all) {
          if (done.has(migration.id)) continue
          for (const statement of migration.up(q)) yield* raw(statement)
          yield* raw(
            `INSERT INTO ${q("cello_migrations")} (id, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP(6))`,
            [migration.id, migration.name]
          )
          applied.push(`${String(migration.id).padStart(4, "0")}_${migration.name}`)
        }
        return applied
      }).pipe(Effect.ensuring(Effect.ignore(raw("SELECT RELEASE_LOCK(?)", [lockName]))))
    })
  )
}).pipe(Effect.withSpan("MysqlStore.migrate"))
