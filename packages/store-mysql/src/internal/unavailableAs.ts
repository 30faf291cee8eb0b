import type { MysqlDatabaseShape } from "../MysqlDatabase.js"
import type { MysqlError } from "../MysqlError.js"

/**
 * `MysqlDatabase.unavailable` for a pattern package's own `StoreUnavailable` (each package declares
 * one, since they may not import each other; the fields are the same).
 */
export const unavailableAs =
  <E>(
    make: new (fields: { readonly store: string; readonly operation: string; readonly detail: string }) => E
  ) =>
  (database: MysqlDatabaseShape, operation: string) =>
  (error: MysqlError): E => {
    const { store, detail } = database.unavailable(operation)(error)
    return new make({ store, operation, detail })
  }
