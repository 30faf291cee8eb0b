import { StoreUnavailable } from "@cello/saga"
import type { SqlError } from "effect/sql"
import { describeSqlError, type PgDatabaseShape } from "../PgDatabase.js"

/** `PgDatabase.unavailable` for the `SagaStore` port of `@cello/saga`, which has its own `StoreUnavailable`. */
export const sagaUnavailable =
  (database: PgDatabaseShape, operation: string) =>
  (error: SqlError.SqlError): StoreUnavailable =>
    new StoreUnavailable({
      store: "postgres",
      operation,
      detail: `${database.target}: ${describeSqlError(error)}`
    })
