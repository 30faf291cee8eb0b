import type { Effect } from "effect"
import { Effect as E } from "effect"
import type { MysqlDatabaseShape } from "../MysqlDatabase.js"
import { MysqlError } from "../MysqlError.js"

/**
 * `withTransaction` with the driver's failures (a statement, BEGIN, COMMIT, a lost connection) as
 * the caller's typed outage, `unavailable(error)`; the effect's own failures pass through as they are.
 */
export const transaction = <A, Err, R, U>(
  database: MysqlDatabaseShape,
  effect: Effect.Effect<A, Err, R>,
  unavailable: (error: MysqlError) => U
): Effect.Effect<A, Exclude<Err, MysqlError> | U, R> =>
  E.mapError(database.withTransaction(effect), (error) =>
    error instanceof MysqlError ? unavailable(error) : exclude(error)
  )

// A failure that is not a MysqlError is one of the effect's own.
function exclude<Err>(error: Err | MysqlError): Exclude<Err, MysqlError>
function exclude(error: unknown): unknown {
  return error
}
