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
  /**
   * Origins whose web pages may call the API (`https://app.example.com`); empty (the default) keeps
   * CORS off and refuses writes from pages of other origins (see `Cors`).
   */
  readonly corsOrigins: ReadonlyArray<string>
}

export interface Input {
  readonly host?: string
  readonly port?: number
  readonly bodyLimit?: number
  readonly healthTimeout?: Duration.Input
  readonly corsOrigins?: ReadonlyArray<string>
}

export const defaults: Settings = {
  host: "127.0.0.1",
  port: 8000,
  bodyLimit: 1024 * 1024,
  healthTimeout: Duration.seconds(2),
  corsOrigins: []
}

export const HttpAdapterConfig = Context.Reference<Settings>("@cello/http-adapter/HttpAdapterConfig", {
  defaultValue: () => defaults
})

export const make = (input: Input = {}): Settings => ({
  host: input.host ?? defaults.host,
  port: input.port ?? defaults.port,
  bodyLimit: Math.max(0, Math.floor(input.bodyLimit ?? defaults.bodyLimit)),
  healthTimeout: Duration.fromInputUnsafe(input.healthTimeout ?? defaults.healthTimeout),
  corsOrigins: (input.corsOrigins ?? defaults.corsOrigins).map((o) => o.trim()).filter((o) => o.length > 0)
})

export const layer = (input: Input = {}): Layer.Layer<never> => Layer.succeed(HttpAdapterConfig, make(input))

/**
 * `HOST`, `PORT` (the demo's names), `CELLO_HTTP_BODY_LIMIT` (bytes), `CELLO_HEALTH_TIMEOUT`
 * (a duration such as "2 seconds") and `CELLO_CORS_ORIGINS` (comma-separated origins); unset ones
 * keep the defaults.
 */
export const fromEnv: Config.Config<Input> = Config.all({
  host: Config.String("HOST").pipe(Config.withDefault(defaults.host)),
  port: Config.Port("PORT").pipe(Config.withDefault(defaults.port)),
  bodyLimit: Config.Int("CELLO_HTTP_BODY_LIMIT").pipe(Config.withDefault(defaults.bodyLimit)),
  healthTimeout: Config.Duration("CELLO_HEALTH_TIMEOUT").pipe(Config.withDefault(defaults.healthTimeout)),
  corsOrigins: Config.String("CELLO_CORS_ORIGINS").pipe(
    Config.map((list) => list.split(",")),
    Config.withDefault(defaults.corsOrigins)
  )
})

/** Settings from the environment; `overrides` (from code) win over it. */
export const fromConfig = (
  overrides: Input = {},
  config: Config.Config<Input> = fromEnv
): Effect.Effect<Settings, Config.ConfigError> =>
  Effect.map(config, (input) => make({ ...input, ...overrides }))

/** `fromConfig` as a layer. */
export const layerConfig = (
  overrides: Input = {},
  config: Config.Config<Input> = fromEnv
): Layer.Layer<never, Config.ConfigError> => Layer.effect(HttpAdapterConfig, fromConfig(overrides, config))
