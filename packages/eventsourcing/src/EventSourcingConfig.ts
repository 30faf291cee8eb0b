/**
 * Settings of the event-sourcing runtime (seed: `EventSourcingConfig(snapshot_interval=100,
 * enable_replay=True)`), from code with `layer` or from the environment with `layerConfig`.
 */
import { Config, Context, Duration, Effect, Layer, Schema } from "effect"

export interface Settings {
  /** Take a snapshot each time a save crosses a multiple of this many events; 0 turns snapshots off. */
  readonly snapshotInterval: number
  /** Allow replaying the log to rebuild projections (`ProjectionRunner.rebuild`). */
  readonly enableReplay: boolean
  /** How many times at most `Repository.handle` retries a command after a `ConcurrencyError`. */
  readonly maxConcurrencyRetries: number
  /** First backoff delay of those retries; doubles each time, with jitter. */
  readonly retryDelay: Duration.Duration
  /** The longest wait between two of those retries (the doubling stops there; jitter still applies). */
  readonly maxRetryDelay: Duration.Duration
  /** How long those retries may go on in all: past it the `ConcurrencyError` surfaces. */
  readonly retryTimeout: Duration.Duration
}

export interface Input {
  readonly snapshotInterval?: number
  readonly enableReplay?: boolean
  readonly maxConcurrencyRetries?: number
  readonly retryDelay?: Duration.Input
  readonly maxRetryDelay?: Duration.Input
  readonly retryTimeout?: Duration.Input
}

/**
 * Contention on one aggregate is ordinary (twenty clients depositing into one account at once), so
 * `handle` keeps retrying it: jittered backoff from 10 ms, at most 100 ms apart, for up to 5 seconds
 * or 100 retries, whichever comes first — far below a command's 30-second timeout.
 */
export const defaults: Settings = {
  snapshotInterval: 100,
  enableReplay: true,
  maxConcurrencyRetries: 100,
  retryDelay: Duration.millis(10),
  maxRetryDelay: Duration.millis(100),
  retryTimeout: Duration.seconds(5)
}

/** A setting out of range: names the setting and the value. */
export class InvalidConfig extends Schema.TaggedError<InvalidConfig>()("InvalidConfig", {
  setting: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `invalid event-sourcing setting ${this.setting}: ${this.detail}`
  }
}

export const EventSourcingConfig = Context.Reference<Settings>("@cello/eventsourcing/EventSourcingConfig", {
  defaultValue: () => defaults
})

/** Validates settings, filling the seed defaults. */
export const make = (input: Input = {}): Effect.Effect<Settings, InvalidConfig> =>
  Effect.gen(function* () {
    const settings: Settings = {
      snapshotInterval: input.snapshotInterval ?? defaults.snapshotInterval,
      enableReplay: input.enableReplay ?? defaults.enableReplay,
      maxConcurrencyRetries: input.maxConcurrencyRetries ?? defaults.maxConcurrencyRetries,
      retryDelay:
        input.retryDelay === undefined ? defaults.retryDelay : Duration.fromInputUnsafe(input.retryDelay),
      maxRetryDelay:
        input.maxRetryDelay === undefined
          ? defaults.maxRetryDelay
          : Duration.fromInputUnsafe(input.maxRetryDelay),
      retryTimeout:
        input.retryTimeout === undefined
          ? defaults.retryTimeout
          : Duration.fromInputUnsafe(input.retryTimeout)
    }
    if (!Number.isSafeInteger(settings.snapshotInterval) || settings.snapshotInterval < 0)
      return yield* new InvalidConfig({
        setting: "snapshotInterval",
        detail: `${settings.snapshotInterval} is not an integer >= 0`
      })
    if (!Number.isSafeInteger(settings.maxConcurrencyRetries) || settings.maxConcurrencyRetries < 0)
      return yield* new InvalidConfig({
        setting: "maxConcurrencyRetries",
        detail: `${settings.maxConcurrencyRetries} is not an integer >= 0`
      })
    return settings
  })

export const layer = (input: Input = {}): Layer.Layer<never, InvalidConfig> =>
  Layer.effect(EventSourcingConfig, make(input))

/**
 * Reads `CELLO_SNAPSHOT_INTERVAL`, `CELLO_ENABLE_REPLAY`, `CELLO_MAX_CONCURRENCY_RETRIES`,
 * `CELLO_RETRY_DELAY`, `CELLO_MAX_RETRY_DELAY` and `CELLO_RETRY_TIMEOUT` (durations such as
 * "20 millis"); unset ones keep the defaults.
 */
export const fromEnv: Config.Config<Input> = Config.all({
  snapshotInterval: Config.Int("CELLO_SNAPSHOT_INTERVAL").pipe(Config.withDefault(defaults.snapshotInterval)),
  enableReplay: Config.Boolean("CELLO_ENABLE_REPLAY").pipe(Config.withDefault(defaults.enableReplay)),
  maxConcurrencyRetries: Config.Int("CELLO_MAX_CONCURRENCY_RETRIES").pipe(
    Config.withDefault(defaults.maxConcurrencyRetries)
  ),
  retryDelay: Config.Duration("CELLO_RETRY_DELAY").pipe(Config.withDefault(defaults.retryDelay)),
  maxRetryDelay: Config.Duration("CELLO_MAX_RETRY_DELAY").pipe(Config.withDefault(defaults.maxRetryDelay)),
  retryTimeout: Config.Duration("CELLO_RETRY_TIMEOUT").pipe(Config.withDefault(defaults.retryTimeout))
})

/** The settings from `Config` (by default `fromEnv`), validated. */
export const layerConfig = (
  config: Config.Config<Input> = fromEnv
): Layer.Layer<never, InvalidConfig | Config.ConfigError> =>
  Layer.effect(
    EventSourcingConfig,
    Effect.gen(function* () {
      return yield* make(yield* config)
    })
  )
