/**
 * Deployment settings of the HTTP adapter, from code with `layer` or the environment with
 * `layerConfig`: where to listen, how large a request body may be, how long a health check may take.
 */
import { Config, Context, Duration, Effect, Layer } from "effect"

export interface Settings {
  readonly host: string
  readonly port: number
  /** Largest accepted request body in bytes; larger ones answer 413. */
  readonly bodyLimit: number
  /** A readiness check slower than this counts as down. */
  readonly healthTimeout: Duration.Duration
}

export interface Input {
  readonly host?: string
  readonly port?: number
  readonly bodyLimit?: number
  readonly healthTimeout?: Duration.Input
}

export const defaults: Settings = {
  host: "127.0.0.1",
  port: 8000,
  bodyLimit: 1024 * 1024,
  healthTimeout: Duration.seconds(2)
}

export const HttpAdapterConfig = Context.Reference<Settings>("@cello/http-adapter/HttpAdapterConfig", {
  defaultValue: () => defaults
})

export const make = (input: Input = {}): Settings => ({
  host: input.host ?? defaults.host,
  port: input.port ?? defaults.port,
  bodyLimit: Math.max(0, Math.floor(input.bodyLimit ?? defaults.bodyLimit)),
  healthTimeout: Duration.fromInputUnsafe(input.healthTimeout ?? defaults.healthTimeout)
})

export const layer = (input: Input = {}): Layer.Layer<never> => Layer.succeed(HttpAdapterConfig, make(input))

/**
 * `HOST`, `PORT` (the demo's names), `CELLO_HTTP_BODY_LIMIT` (bytes) and `CELLO_HEALTH_TIMEOUT`
 * (a duration such as "2 seconds"); unset ones keep the defaults.
 */
export const fromEnv: Config.Config<Input> = Config.all({
  host: Config.String("HOST").pipe(Config.withDefault(defaults.host)),
  port: Config.Port("PORT").pipe(Config.withDefault(defaults.port)),
  bodyLimit: Config.Int("CELLO_HTTP_BODY_LIMIT").pipe(Config.withDefault(defaults.bodyLimit)),
  healthTimeout: Config.Duration("CELLO_HEALTH_TIMEOUT").pipe(Config.withDefault(defaults.healthTimeout))
})

/** Settings from the environment; `overrides` (from code) win over it. */
export const layerConfig = (
  overrides: Input = {},
  config: Config.Config<Input> = fromEnv
): Layer.Layer<never, Config.ConfigError> =>
  Layer.effect(
    HttpAdapterConfig,
    Effect.gen(function* () {
      return make({ ...(yield* config), ...overrides })
    })
  )
