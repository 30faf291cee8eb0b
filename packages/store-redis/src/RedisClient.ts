/**
 * The ioredis connection every Redis port shares. The layer does not fail when Redis is down: ioredis
 * reconnects in the background, and each command meanwhile fails fast with a `RedisError` (which the
 * ports turn into `StoreUnavailable`), so an app still starts and serves what does not need Redis.
 */
import { type Config, Context, Duration, Effect, Layer, Redacted, type Scope } from "effect"
import { Redis as IORedis } from "ioredis"
import * as RedisConfig from "./RedisConfig.js"
import { RedisError } from "./RedisError.js"

export interface RedisClientShape {
  readonly config: RedisConfig.RedisConfig
  /** `host:port`, for error messages. */
  readonly target: string
  /** The ioredis client, for commands this service does not wrap (run them through `run`). */
  readonly redis: IORedis
  /** A key (or channel) under the configured prefix: `prefix + parts.join(":")`. */
  readonly key: (...parts: ReadonlyArray<string>) => string
  /** Runs commands; any failure becomes a `RedisError` naming the operation and the server. */
  readonly run: <A>(operation: string, f: (redis: IORedis) => Promise<A>) => Effect.Effect<A, RedisError>
  /**
   * A connection of its own, closed with the scope: pub/sub and blocking reads hold a connection,
   * which would stall every other command sent on the shared one.
   */
  readonly dedicated: Effect.Effect<RedisClientShape, never, Scope.Scope>
}

export class RedisClient extends Context.Service<RedisClient, RedisClientShape>()(
  "@cello/store-redis/RedisClient"
) {}

interface Connection {
  readonly redis: IORedis
  /** The last connection error ioredis reported ("" if none). */
  readonly lastError: () => string
}

const describeCause = (connection: Connection, cause: unknown): string => {
  const message = cause instanceof Error ? cause.message : String(cause)
  const { status } = connection.redis
  // While ioredis reconnects, a command fails with a generic "max retries" message: say why.
  const why = connection.lastError()
  return status === "ready" ? message : `not connected (${status}${why ? `: ${why}` : ""}); ${message}`
}

const open = (
  config: RedisConfig.RedisConfig,
  blocking: boolean
): Effect.Effect<Connection, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync((): Connection => {
      const redis = new IORedis(Redacted.value(config.url), {
        connectTimeout: Duration.toMillis(config.connectTimeout),
        // RESP2: replies of `call` and of scripts keep their classic shapes (RESP3, ioredis 6's
        // default, turns a stream read into a map that only the typed methods flatten back).
        protocol: 2,
        // Blocking reads wait on purpose; their own timeout is the BLOCK argument.
        ...(blocking ? {} : { commandTimeout: Duration.toMillis(config.commandTimeout) }),
        // A command waits for at most one reconnection, then fails; the client keeps reconnecting.
        maxRetriesPerRequest: 1,
        retryStrategy: (times) => Math.min(times * 100, 1000)
      })
      // Failures reach callers through their commands (with the last one named); without a listener
      // ioredis would print each.
      let lastError = ""
      redis.on("error", (error: Error) => {
        lastError = error.message
      })
      redis.on("ready", () => {
        lastError = ""
      })
      return { redis, lastError: () => lastError }
    }),
    ({ redis }) =>
      Effect.promise(() => redis.quit().catch(() => "closed")).pipe(
        Effect.timeoutOption("1 second"),
        Effect.andThen(Effect.sync(() => redis.disconnect()))
      )
  )

const build = (
  config: RedisConfig.RedisConfig,
  blocking: boolean
): Effect.Effect<RedisClientShape, never, Scope.Scope> =>
  Effect.map(open(config, blocking), (connection): RedisClientShape => {
    const { redis } = connection
    const target = RedisConfig.describeTarget(config.url)
    return {
      config,
      target,
      redis,
      key: (...parts) => `${config.keyPrefix}${parts.join(":")}`,
      run: (operation, f) =>
        Effect.tryPromise({
          try: () => f(redis),
          catch: (cause) => new RedisError({ target, operation, detail: describeCause(connection, cause) })
        }),
      dedicated: Effect.suspend(() => build(config, true))
    }
  })

/** A client from the config (connects in the background; see the module comment). */
export const make = (input: RedisConfig.Input = {}): Effect.Effect<RedisClientShape, never, Scope.Scope> =>
  build(RedisConfig.make(input), false)

export const layer = (input: RedisConfig.Input = {}): Layer.Layer<RedisClient> =>
  Layer.effect(RedisClient, make(input))

/** The client from `CELLO_REDIS_URL` and `CELLO_REDIS_PREFIX` (see `RedisConfig.fromEnv`). */
export const layerConfig = (
  config: Config.Config<RedisConfig.RedisConfig> = RedisConfig.fromEnv
): Layer.Layer<RedisClient, Config.ConfigError> =>
  Layer.effect(
    RedisClient,
    Effect.gen(function* () {
      return yield* build(yield* config, false)
    })
  )
