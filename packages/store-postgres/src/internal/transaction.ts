/**
 * `sql.withTransaction` with a lost connection as a typed failure. When the connection dies inside a
 * transaction (a terminated backend, `idle_in_transaction_session_timeout`, a server restart), the
 * statement fails and so does the ROLLBACK on the dead socket; Effect's SQL layer then turns both the
 * statement's failure and the rollback's into defects. Nothing was committed in that case, so the
 * transaction's answer is the store's outage: `unavailable(error)`, never a defect.
 */
import { Cause, Effect } from "effect"
import { SqlError } from "effect/sql"
import type { PgDatabaseShape } from "../PgDatabase.js"

export const transaction = <A, E, R, U>(
  database: PgDatabaseShape,
  effect: Effect.Effect<A, E, R>,
  unavailable: (error: SqlError.SqlError) => U
): Effect.Effect<A, E | U, R> =>
  database.sql.withTransaction(effect).pipe(
    Effect.catchCause((cause): Effect.Effect<never, E | U> => {
      for (const reason of cause.reasons)
        if (Cause.isDieReason(reason) && SqlError.isSqlError(reason.defect))
          return Effect.fail(unavailable(reason.defect))
      return Effect.failCause(
        Cause.map(cause, (error: E | SqlError.SqlError): E | U =>
          SqlError.isSqlError(error) ? unavailable(error) : error
        )
      )
    })
  )
