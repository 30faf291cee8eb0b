/** A failed statement or connection, as the `mysql2` driver reports it. */
import { Data, Predicate } from "effect"

export class MysqlError extends Data.TaggedError("MysqlError")<{
  /** The server's error name (`ER_DUP_ENTRY`, `ER_LOCK_DEADLOCK`) or the socket's (`ECONNREFUSED`). */
  readonly code: string
  /** The server's error number (0 for a client-side error). */
  readonly errno: number
  readonly message: string
  /** The connection is unusable after this error. */
  readonly fatal: boolean
}> {}

const field = (value: unknown, name: string): unknown =>
  Predicate.hasProperty(value, name) ? value[name] : undefined

export const fromUnknown = (error: unknown): MysqlError => {
  if (error instanceof MysqlError) return error
  const code = field(error, "code")
  const errno = field(error, "errno")
  const message = field(error, "sqlMessage") ?? field(error, "message")
  return new MysqlError({
    code: typeof code === "string" ? code : "UNKNOWN",
    errno: typeof errno === "number" ? errno : 0,
    message: typeof message === "string" ? message : String(error),
    fatal: field(error, "fatal") === true || typeof errno !== "number" || errno < 1000
  })
}

/** InnoDB undid the whole transaction (a deadlock): later statements must not run in autocommit. */
export const isTransactionRolledBack = (error: MysqlError): boolean => error.errno === 1213

export const isDuplicateKey = (error: MysqlError): boolean => error.errno === 1062
