import { StoreUnavailable as CqrsStoreUnavailable } from "@cello/cqrs"
import { StoreUnavailable as SagaStoreUnavailable } from "@cello/saga"
import type { SqlError } from "effect/sql"
import { describeSqlError, type PgDatabaseShape } from "../PgDatabase.js"

/**
 * `PgDatabase.unavailable` for a pattern package's own `StoreUnavailable` (each package declares one,
 * since they may not import each other; the fields are the same).
 */
const unavailableAs =
  <E>(
    make: new (fields: { readonly store: string; readonly operation: string; readonly detail: string }) => E
  ) =>
  (database: PgDatabaseShape, operation: string) =>
  (error: SqlError.SqlError): E =>
    new make({ store: "postgres", operation, detail: `${database.target}: ${describeSqlError(error)}` })

/** For the ports of `@cello/cqrs`. */
export const cqrsUnavailable = unavailableAs(CqrsStoreUnavailable)

/** For the `SagaStore` port of `@cello/saga`. */
export const sagaUnavailable = unavailableAs(SagaStoreUnavailable)
