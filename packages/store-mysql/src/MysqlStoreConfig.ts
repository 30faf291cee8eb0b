/**
 * Where and how the MySQL/MariaDB store connects, from code or from the environment through Effect
 * `Config` (`CELLO_DATABASE_URL` starting with `mysql://` or `mariadb://`).
 */
import { Config, Duration, Option, Redacted } from "effect"

export interface MysqlStoreConfig {
  /** `mysql://user:password@host:port/database` (or `mariadb://`); kept redacted so it is never logged. */
  readonly url: Redacted.Redacted<string>
  /** The database (MySQL's schema) holding Cello's tables; created if missing (default: the URL's). */
  readonly database: string
  /** Pool size (seed default 20). */
  readonly poolSize: number
  /** An idle connection is closed after this long (default 30 minutes). */
  readonly idleTimeout: Duration.Duration
  /** How long to wait for a connection before failing with `StoreUnavailable` (default 5 seconds). */
  readonly connectTimeout: Duration.Duration
  /** Run pending migrations when the layer starts (default true). */
  readonly migrate: boolean
  /** How often live subscriptions poll (default 200 ms: MySQL has no LISTEN/NOTIFY). */
  readonly pollInterval: Duration.Duration
}

export interface Input {
  readonly url: string | Redacted.Redacted<string>
  readonly database?: string | undefined
  readonly poolSize?: number
  readonly idleTimeout?: Duration.Input
  readonly connectTimeout?: Duration.Input
  readonly migrate?: boolean
  readonly pollInterval?: Duration.Input
}

/** What a developer machine here runs: MariaDB on loopback, root without a password. */
export const developmentUrl = "mysql://root@127.0.0.1:3306/test"

/** True for the URL schemes this store serves. */
export const isMysqlUrl = (url: string): boolean => /^(mysql|mariadb):\/\//i.test(url)

/** The database named by the URL's path, if any. */
export const databaseOf = (url: Redacted.Redacted<string>): Option.Option<string> => {
  try {
    const name = decodeURIComponent(new URL(Redacted.value(url)).pathname.replace(/^\//, ""))
    return name.length > 0 ? Option.some(name) : Option.none()
  } catch {
    return Option.none()
  }
}

export const make = (input: Input): MysqlStoreConfig => {
  const url = typeof input.url === "string" ? Redacted.make(input.url) : input.url
  return {
    url,
    database: input.database ?? Option.getOrElse(databaseOf(url), () => "cello"),
    poolSize: input.poolSize ?? 20,
    idleTimeout: Duration.fromInputUnsafe(input.idleTimeout ?? "30 minutes"),
    connectTimeout: Duration.fromInputUnsafe(input.connectTimeout ?? "5 seconds"),
    migrate: input.migrate ?? true,
    pollInterval: Duration.fromInputUnsafe(input.pollInterval ?? "200 millis")
  }
}

/**
 * `CELLO_DATABASE_URL` (required; `MysqlStore.layerConfig` refuses one not starting with `mysql://` or
 * `mariadb://`), `CELLO_DATABASE_NAME` (default: the
 * URL's database), `CELLO_DATABASE_POOL_SIZE` (20), `CELLO_DATABASE_MIGRATE` (true).
 */
export const fromEnv: Config.Config<MysqlStoreConfig> = Config.all({
  url: Config.Redacted("CELLO_DATABASE_URL"),
  database: Config.option(Config.String("CELLO_DATABASE_NAME")),
  poolSize: Config.Int("CELLO_DATABASE_POOL_SIZE").pipe(Config.withDefault(20)),
  migrate: Config.Boolean("CELLO_DATABASE_MIGRATE").pipe(Config.withDefault(true))
}).pipe(Config.map((c) => make({ ...c, database: Option.getOrUndefined(c.database) })))

/** `host:port/database` of a URL: what errors may name (never the user or password). */
export const describeTarget = (url: Redacted.Redacted<string>): string => {
  try {
    const parsed = new URL(Redacted.value(url))
    return `${parsed.hostname}:${parsed.port || "3306"}${parsed.pathname}`
  } catch {
    return "(unparsable database URL)"
  }
}
