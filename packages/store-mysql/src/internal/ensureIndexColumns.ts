/**
 * Creates a field's index columns once, whoever calls at the same time: DDL in MySQL is not
 * transactional and `ADD COLUMN` has no `IF NOT EXISTS` in MySQL, so callers queue on a `GET_LOCK`
 * named after the database and each adds only what `information_schema` does not list yet.
 */
import { Duration, Effect } from "effect"
import { CompiledQuery } from "kysely"
import type { MysqlDatabaseShape } from "../MysqlDatabase.js"
import { MysqlError } from "../MysqlError.js"
import {
  columnDefinitions,
  indexDefinitions,
  numberColumn,
  numberIndex,
  stringColumn,
  stringIndex
} from "./indexColumns.js"

/** How long a caller waits for another one's DDL before failing (the store's; tests pass a shorter one). */
export const lockTimeout = Duration.seconds(60)

export const ensureIndexColumns = (
  database: MysqlDatabaseShape,
  field: string,
  timeout: Duration.Duration = lockTimeout
): Effect.Effect<void, MysqlError> => {
  // GET_LOCK counts whole seconds.
  const lockTimeoutSeconds = Math.max(0, Math.ceil(Duration.toSeconds(timeout)))
  const name = database.config.database
  const table = `\`${name}\`.\`read_models\``
  const raw = (text: string, parameters: ReadonlyArray<unknown> = []) =>
    database.run<Record<string, unknown>>(CompiledQuery.raw(text, [...parameters]))
  const existing = (from: "COLUMNS" | "STATISTICS", column: "COLUMN_NAME" | "INDEX_NAME") =>
    Effect.map(
      raw(
        `SELECT DISTINCT ${column} AS name FROM information_schema.${from} WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'read_models'`,
        [name]
      ),
      (rows) => new Set(rows.map((row) => String(row.name)))
    )
  return database.withConnection(
    Effect.gen(function* () {
      const lockName = `cello-index:${name}`.slice(0, 64)
      const [locked] = yield* raw("SELECT GET_LOCK(?, ?) AS ok", [lockName, lockTimeoutSeconds])
      if (String(locked?.ok) !== "1")
        return yield* new MysqlError({
          code: "CELLO_INDEX_LOCK",
          errno: 0,
          message: `another instance held the index lock ${lockName} for ${lockTimeoutSeconds} s`,
          fatal: false
        })
      yield* Effect.gen(function* () {
        const columns = yield* existing("COLUMNS", "COLUMN_NAME")
        const [number, string] = columnDefinitions(field)
        const addColumns = [
          ...(columns.has(numberColumn(field)) ? [] : [number]),
          ...(columns.has(stringColumn(field)) ? [] : [string])
        ]
        if (addColumns.length > 0) yield* raw(`ALTER TABLE ${table} ${addColumns.join(", ")}`)
        const indexes = yield* existing("STATISTICS", "INDEX_NAME")
        const [byNumber, byString] = indexDefinitions(field)
        const addIndexes = [
          ...(indexes.has(numberIndex(field)) ? [] : [byNumber]),
          ...(indexes.has(stringIndex(field)) ? [] : [byString])
        ]
        if (addIndexes.length > 0) yield* raw(`ALTER TABLE ${table} ${addIndexes.join(", ")}`)
      }).pipe(Effect.ensuring(Effect.ignore(raw("SELECT RELEASE_LOCK(?)", [lockName]))))
    })
  )
}
