/**
 * Settings of the buses (seed: `CqrsConfig(command_timeout=30, query_timeout=10,
 * enable_event_sync=True, max_retries=3)`), from code with `layer` or the environment with `layerConfig`.
 */
import { Config, Context, Duration, Effect, Layer } from "effect"

export interface Settings {
  readonly commandTimeout: Duration.Duration
  readonly queryTimeout: Duration.Duration
  /** Deliver published events to EventBus subscribers (read-model sync); off pauses delivery. */
  readonly enableEventSync: boolean
  /** Retries of a command that failed with a `ConcurrencyError`. */
  readonly maxRetries: number
  /** First backoff delay of those retries; doubles each time, with jitter. */
  readonly retryDelay: Duration.Duration
}

export interface Input {
  readonly commandTimeout?: Duration.Input
  readonly queryTimeout?: Duration.Input
  readonly enableEventSync?: boolean
  readonly maxRetries?: number
  readonly retryDelay?: Duration.Input
}

export const defaults: Settings = {
  commandTimeout: Duration.seconds(30),
  queryTimeout: Duration.seconds(10),
  enableEventSync: true,
  maxRetries: 3,
  retryDelay: Duration.millis(10)
}

export const CqrsConfig = Context.Reference<Settings>("@cello/cqrs/CqrsConfig", {
  defaultValue: () => defaults
})

export const make = (input: Input = {}): Settings => ({
  commandTimeout: Duration.fromInputUnsafe(input.commandTimeout ?? defaults.commandTimeout),
  queryTimeout: Duration.fromInputUnsafe(input.queryTimeout ?? defaults.queryTimeout),
  enableEventSync: input.enableEventSync ?? defaults.enableEventSync,
  maxRetries: Math.max(0, Math.floor(input.maxRetries ?? defaults.maxRetries)),
  retryDelay: Duration.fromInputUnsafe(input.retryDelay ?? defaults.retryDelay)
})

export const layer = (input: Input = {}): Layer.Layer<never> => Layer.succeed(CqrsConfig, make(input))

/**
 * `CELLO_COMMAND_TIMEOUT`, `CELLO_QUERY_TIMEOUT` (durations such as "30 seconds"),
 * `CELLO_ENABLE_EVENT_SYNC`, `CELLO_MAX_RETRIES`; unset ones keep the seed defaults.
 */
export const fromEnv: Config.Config<Input> = Config.all({
  commandTimeout: Config.Duration("CELLO_COMMAND_TIMEOUT").pipe(Config.withDefault(defaults.commandTimeout)),
  queryTimeout: Config.Duration("CELLO_QUERY_TIMEOUT").pipe(Config.withDefault(defaults.queryTimeout)),
  enableEventSync: Config.Boolean("CELLO_ENABLE_EVENT_SYNC").pipe(
    Config.withDefault(defaults.enableEventSync)
  ),
  maxRetries: Config.Int("CELLO_MAX_RETRIES").pipe(Config.withDefault(defaults.maxRetries))
})

export const layerConfig = (config: Config.Config<Input> = fromEnv): Layer.Layer<never, Config.ConfigError> =>
  Layer.effect(
    CqrsConfig,
    Effect.gen(function* () {
      return make(yield* config)
    })
  )
