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
  /** How many times `Repository.handle` retries a command after a `ConcurrencyError`. */
  readonly maxConcurrencyRetries: number
  /** First backoff delay of those retries; doubles each time, with jitter. */
  readonly retryDelay: Duration.Duration
}

export interface Input {
  readonly snapshotInterval?: number
  readonly enableReplay?: boolean
  readonly maxConcurrencyRetries?: number
  readonly retryDelay?: Duration.Input
}

export const defaults: Settings = {
  snapshotInterval: 100,
  enableReplay: true,
  maxConcurrencyRetries: 3,
  retryDelay: Duration.millis(10)
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
        input.retryDelay === undefined ? defaults.retryDelay : Duration.fromInputUnsafe(input.retryDelay)
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
 * Reads `CELLO_SNAPSHOT_INTERVAL`, `CELLO_ENABLE_REPLAY`, `CELLO_MAX_CONCURRENCY_RETRIES` and
 * `CELLO_RETRY_DELAY` (a duration such as "20 millis"); unset ones keep the seed defaults.
 */
export const fromEnv: Config.Config<Input> = Config.all({
  snapshotInterval: Config.Int("CELLO_SNAPSHOT_INTERVAL").pipe(Config.withDefault(defaults.snapshotInterval)),
  enableReplay: Config.Boolean("CELLO_ENABLE_REPLAY").pipe(Config.withDefault(defaults.enableReplay)),
  maxConcurrencyRetries: Config.Int("CELLO_MAX_CONCURRENCY_RETRIES").pipe(
    Config.withDefault(defaults.maxConcurrencyRetries)
  ),
  retryDelay: Config.Duration("CELLO_RETRY_DELAY").pipe(Config.withDefault(defaults.retryDelay))
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
