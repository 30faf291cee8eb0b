import type { SqlError } from "effect/sql"
import { describeSqlError, type PgDatabaseShape } from "../PgDatabase.js"

/**
 * `PgDatabase.unavailable` for a pattern package's own `StoreUnavailable` (each package declares one,
 * since they may not import each other; the fields are the same). One file per pattern package uses
 * it, so an entry point imports only the pattern package it serves.
 */
export const unavailableAs =
  <E>(
    make: new (fields: { readonly store: string; readonly operation: string; readonly detail: string }) => E
  ) =>
  (database: PgDatabaseShape, operation: string) =>
  (error: SqlError.SqlError): E =>
    new make({ store: "postgres", operation, detail: `${database.target}: ${describeSqlError(error)}` })
