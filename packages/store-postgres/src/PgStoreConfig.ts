/**
 * Where and how the PostgreSQL store connects (seed: `pool_size=20, max_lifetime=1800`), from code or
 * from the environment through Effect `Config`.
 */
import { Config, Duration, Redacted } from "effect"

export interface PgStoreConfig {
  /** `postgres://user:password@host:port/database`; kept redacted so it is never logged. */
  readonly url: Redacted.Redacted<string>
  /** The PostgreSQL schema holding Cello's tables, so apps can share a database (default "cello"). */
  readonly schema: string
  /** Pool size (seed default 20). */
  readonly poolSize: number
  /** A connection is replaced after this long (seed default 30 minutes). */
  readonly maxLifetime: Duration.Duration
  /** How long to wait for a connection before failing with `StoreUnavailable` (default 5 seconds). */
  readonly connectTimeout: Duration.Duration
  /** Run pending migrations when the layer starts (default true). */
  readonly migrate: boolean
  /** How often live subscriptions poll when no notification arrives (default 1 second). */
  readonly pollInterval: Duration.Duration
  /** Wake live subscriptions with LISTEN/NOTIFY (default true; off for PGlite, which cannot). */
  readonly listen: boolean
}

export interface Input {
  readonly url: string | Redacted.Redacted<string>
  readonly schema?: string
  readonly poolSize?: number
  readonly maxLifetime?: Duration.Input
  readonly connectTimeout?: Duration.Input
  readonly migrate?: boolean
  readonly pollInterval?: Duration.Input
  readonly listen?: boolean
}

/** What a developer machine here runs: PostgreSQL on loopback with trust auth. */
export const developmentUrl = "postgres://postgres@127.0.0.1:5432/test"

export const make = (input: Input): PgStoreConfig => ({
  url: typeof input.url === "string" ? Redacted.make(input.url) : input.url,
  schema: input.schema ?? "cello",
  poolSize: input.poolSize ?? 20,
  maxLifetime: Duration.fromInputUnsafe(input.maxLifetime ?? "30 minutes"),
  connectTimeout: Duration.fromInputUnsafe(input.connectTimeout ?? "5 seconds"),
  migrate: input.migrate ?? true,
  pollInterval: Duration.fromInputUnsafe(input.pollInterval ?? "1 second"),
  listen: input.listen ?? true
})

/**
 * `CELLO_DATABASE_URL` (required), `CELLO_DATABASE_SCHEMA`, `CELLO_DATABASE_POOL_SIZE`,
 * `CELLO_DATABASE_MAX_LIFETIME` (a duration), `CELLO_DATABASE_MIGRATE`.
 */
export const fromEnv: Config.Config<PgStoreConfig> = Config.all({
  url: Config.Redacted("CELLO_DATABASE_URL"),
  schema: Config.String("CELLO_DATABASE_SCHEMA").pipe(Config.withDefault("cello")),
  poolSize: Config.Int("CELLO_DATABASE_POOL_SIZE").pipe(Config.withDefault(20)),
  maxLifetime: Config.Duration("CELLO_DATABASE_MAX_LIFETIME").pipe(Config.withDefault(Duration.minutes(30))),
  migrate: Config.Boolean("CELLO_DATABASE_MIGRATE").pipe(Config.withDefault(true))
}).pipe(Config.map((c) => make(c)))

/** `host:port/database` of a URL: what errors may name (never the user or password). */
export const describeTarget = (url: Redacted.Redacted<string>): string => {
  try {
    const parsed = new URL(Redacted.value(url))
    return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`
  } catch {
    return "(unparsable database URL)"
  }
}
