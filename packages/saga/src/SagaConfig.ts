/**
 * Settings of the saga runtime (seed: `SagaConfig(max_retries=3, retry_delay=5, timeout=300)`), from
 * code with `layer` or from the environment with `layerConfig`. A step's own policy wins over these.
 */
import { Config, Context, Duration, Effect, Layer } from "effect"
import { InvalidSagaConfig } from "./Errors.js"

export interface Settings {
  /** Retries of a step action's transient failure (so up to `maxRetries + 1` attempts). */
  readonly maxRetries: number
  /** Delay before an action's first retry; doubles with each further retry. */
  readonly retryDelay: Duration.Duration
  /** Delay before a compensation's first retry; doubles (with jitter) up to `compensationMaxDelay`. */
  readonly compensationRetryDelay: Duration.Duration
  /** The longest delay between two attempts of a compensation. */
  readonly compensationMaxDelay: Duration.Duration
  /** How long a compensation keeps retrying transient failures before the saga is `compensation_failed`. */
  readonly compensationRetryFor: Duration.Duration
  /** Overall time of a saga's forward run, from its start; past it the saga compensates. */
  readonly timeout: Duration.Duration
  /** How long an instance's hold on a running saga lasts without renewal (renewed every third of it). */
  readonly leaseDuration: Duration.Duration
  /** Recovery take-overs of one saga before it goes to `dead_letter`. */
  readonly maxRecoveryAttempts: number
}

export interface Input {
  readonly maxRetries?: number
  readonly retryDelay?: Duration.Input
  readonly compensationRetryDelay?: Duration.Input
  readonly compensationMaxDelay?: Duration.Input
  readonly compensationRetryFor?: Duration.Input
  readonly timeout?: Duration.Input
  readonly leaseDuration?: Duration.Input
  readonly maxRecoveryAttempts?: number
}

export const defaults: Settings = {
  maxRetries: 3,
  retryDelay: Duration.seconds(5),
  compensationRetryDelay: Duration.millis(100),
  compensationMaxDelay: Duration.minutes(1),
  compensationRetryFor: Duration.hours(24),
  timeout: Duration.minutes(5),
  leaseDuration: Duration.seconds(30),
  maxRecoveryAttempts: 5
}

export const SagaConfig = Context.Reference<Settings>("@cello/saga/SagaConfig", {
  defaultValue: () => defaults
})

const nonNegativeInt = (setting: string, n: number) =>
  Number.isSafeInteger(n) && n >= 0
    ? Effect.void
    : Effect.fail(new InvalidSagaConfig({ setting, detail: `${n} is not an integer >= 0` }))

const positive = (setting: string, d: Duration.Duration) =>
  Duration.isGreaterThan(d, Duration.zero)
    ? Effect.void
    : Effect.fail(new InvalidSagaConfig({ setting, detail: `${Duration.format(d)} is not positive` }))

const duration = (input: Duration.Input | undefined, fallback: Duration.Duration) =>
  input === undefined ? fallback : Duration.fromInputUnsafe(input)

/** Validates settings, filling the seed defaults. */
export const make = (input: Input = {}): Effect.Effect<Settings, InvalidSagaConfig> =>
  Effect.gen(function* () {
    const settings: Settings = {
      maxRetries: input.maxRetries ?? defaults.maxRetries,
      retryDelay: duration(input.retryDelay, defaults.retryDelay),
      compensationRetryDelay: duration(input.compensationRetryDelay, defaults.compensationRetryDelay),
      compensationMaxDelay: duration(input.compensationMaxDelay, defaults.compensationMaxDelay),
      compensationRetryFor: duration(input.compensationRetryFor, defaults.compensationRetryFor),
      timeout: duration(input.timeout, defaults.timeout),
      leaseDuration: duration(input.leaseDuration, defaults.leaseDuration),
      maxRecoveryAttempts: input.maxRecoveryAttempts ?? defaults.maxRecoveryAttempts
    }
    yield* nonNegativeInt("maxRetries", settings.maxRetries)
    yield* nonNegativeInt("maxRecoveryAttempts", settings.maxRecoveryAttempts)
    yield* positive("timeout", settings.timeout)
    yield* positive("leaseDuration", settings.leaseDuration)
    // A zero delay would retry a failing compensation in a tight loop against the store.
    yield* positive("compensationRetryDelay", settings.compensationRetryDelay)
    yield* positive("compensationMaxDelay", settings.compensationMaxDelay)
    return settings
  })

export const layer = (input: Input = {}): Layer.Layer<never, InvalidSagaConfig> =>
  Layer.effect(SagaConfig, make(input))

/**
 * Reads `CELLO_SAGA_MAX_RETRIES`, `CELLO_SAGA_RETRY_DELAY`, `CELLO_SAGA_COMPENSATION_RETRY_DELAY`,
 * `CELLO_SAGA_COMPENSATION_MAX_DELAY`, `CELLO_SAGA_COMPENSATION_RETRY_FOR`, `CELLO_SAGA_TIMEOUT`,
 * `CELLO_SAGA_LEASE_DURATION` (durations such as "5 seconds") and `CELLO_SAGA_MAX_RECOVERY_ATTEMPTS`;
 * unset ones keep the defaults.
 */
export const fromEnv: Config.Config<Input> = Config.all({
  maxRetries: Config.Int("CELLO_SAGA_MAX_RETRIES").pipe(Config.withDefault(defaults.maxRetries)),
  retryDelay: Config.Duration("CELLO_SAGA_RETRY_DELAY").pipe(Config.withDefault(defaults.retryDelay)),
  compensationRetryDelay: Config.Duration("CELLO_SAGA_COMPENSATION_RETRY_DELAY").pipe(
    Config.withDefault(defaults.compensationRetryDelay)
  ),
  compensationMaxDelay: Config.Duration("CELLO_SAGA_COMPENSATION_MAX_DELAY").pipe(
    Config.withDefault(defaults.compensationMaxDelay)
  ),
  compensationRetryFor: Config.Duration("CELLO_SAGA_COMPENSATION_RETRY_FOR").pipe(
    Config.withDefault(defaults.compensationRetryFor)
  ),
  timeout: Config.Duration("CELLO_SAGA_TIMEOUT").pipe(Config.withDefault(defaults.timeout)),
  leaseDuration: Config.Duration("CELLO_SAGA_LEASE_DURATION").pipe(
    Config.withDefault(defaults.leaseDuration)
  ),
  maxRecoveryAttempts: Config.Int("CELLO_SAGA_MAX_RECOVERY_ATTEMPTS").pipe(
    Config.withDefault(defaults.maxRecoveryAttempts)
  )
})

/** The settings from `Config` (by default `fromEnv`), validated. */
export const layerConfig = (
  config: Config.Config<Input> = fromEnv
): Layer.Layer<never, InvalidSagaConfig | Config.ConfigError> =>
  Layer.effect(
    SagaConfig,
    Effect.gen(function* () {
      return yield* make(yield* config)
    })
  )
