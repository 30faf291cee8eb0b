import { StoreUnavailable } from "@cello/cqrs"
import type { SqlError } from "effect/sql"
import { describeSqlError, type PgDatabaseShape } from "../PgDatabase.js"

/** `PgDatabase.unavailable` for the ports of `@cello/cqrs`, which have their own `StoreUnavailable`. */
export const cqrsUnavailable =
  (database: PgDatabaseShape, operation: string) =>
  (error: SqlError.SqlError): StoreUnavailable =>
    new StoreUnavailable({
      store: "postgres",
      operation,
      detail: `${database.target}: ${describeSqlError(error)}`
    })
