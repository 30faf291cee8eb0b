/**
 * Where and how the Redis store connects, from code or from the environment through Effect `Config`.
 */
import { Config, Duration, Redacted } from "effect"

export interface RedisConfig {
  /** `redis://[user:password@]host:port[/db]`; kept redacted so it is never logged. */
  readonly url: Redacted.Redacted<string>
  /** Put before every key and channel, so several apps (or tests) can share one Redis (default "cello:"). */
  readonly keyPrefix: string
  /** How long to wait for the TCP connection (default 5 seconds). */
  readonly connectTimeout: Duration.Duration
  /** A command without a reply after this long fails with `StoreUnavailable` (default 5 seconds). */
  readonly commandTimeout: Duration.Duration
}

export interface Input {
  readonly url?: string | Redacted.Redacted<string>
  readonly keyPrefix?: string
  readonly connectTimeout?: Duration.Input
  readonly commandTimeout?: Duration.Input
}

/** What a developer machine here runs: Redis on loopback without a password. */
export const developmentUrl = "redis://127.0.0.1:6379"

export const make = (input: Input = {}): RedisConfig => ({
  url:
    typeof input.url === "string" ? Redacted.make(input.url) : (input.url ?? Redacted.make(developmentUrl)),
  keyPrefix: input.keyPrefix ?? "cello:",
  connectTimeout: Duration.fromInputUnsafe(input.connectTimeout ?? "5 seconds"),
  commandTimeout: Duration.fromInputUnsafe(input.commandTimeout ?? "5 seconds")
})

/** `CELLO_REDIS_URL` (default `redis://127.0.0.1:6379`), `CELLO_REDIS_PREFIX` (default "cello:"). */
export const fromEnv: Config.Config<RedisConfig> = Config.all({
  url: Config.Redacted("CELLO_REDIS_URL").pipe(Config.withDefault(Redacted.make(developmentUrl))),
  keyPrefix: Config.String("CELLO_REDIS_PREFIX").pipe(Config.withDefault("cello:"))
}).pipe(Config.map((c) => make(c)))

/** `host:port` of a URL: what errors may name (never the user or password). */
export const describeTarget = (url: Redacted.Redacted<string>): string => {
  try {
    const parsed = new URL(Redacted.value(url))
    return `${parsed.hostname}:${parsed.port || "6379"}`
  } catch {
    return "(unparsable Redis URL)"
  }
}
