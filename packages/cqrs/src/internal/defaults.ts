/**
 * The default middleware's parts, shared by `Middleware` (each as a chain step) and the bus (all five
 * run as one step, see `bus.ts`): the per-message span and metric series, failure logging, the
 * timeout of a running fiber and the retries after a `ConcurrencyError`.
 */
import {
  Cause,
  type Clock,
  type Context,
  Duration,
  Effect,
  Exit,
  Fiber,
  Metric,
  Option,
  Schedule
} from "effect"
import type * as CqrsConfig from "../CqrsConfig.js"
import { CommandTimeout, QueryTimeout } from "../Errors.js"
import type { Definition } from "../Message.js"
import * as Metrics from "../Metrics.js"
import { guardOf } from "./guard.js"

export const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : "unknown"

/**
 * What is worked out once per message and reused on every dispatch of it (keyed by the
 * definition, so a chain is as cheap on its thousandth dispatch as a hand-written one).
 */
const perMessage = <A>(make: (definition: Definition) => A): ((definition: Definition) => A) => {
  const made = new WeakMap<Definition, A>()
  return (definition) => {
    let found = made.get(definition)
    if (found === undefined) {
      found = make(definition)
      made.set(definition, found)
    }
    return found
  }
}

export const spanOf = perMessage((definition) => ({
  name: `${definition.kind === "command" ? "CommandBus" : "QueryBus"}.dispatch ${definition.name}`,
  options: {
    attributes: { "cello.kind": definition.kind, "cello.name": definition.name },
    // A stack trace per dispatch would cost more than the rest of the bus together.
    captureStackTrace: false
  }
}))

// The metrics of one message, with its attributes built in: nothing is merged or looked up per
// dispatch but the series in the registry. The same series as `Metric.withAttributes(Metrics.x, …)`.
const metricsOf = perMessage((definition) => {
  const attributes = { kind: definition.kind, name: definition.name }
  const errors = new Map<string, Metric.Metric<number, Metric.CounterState<number>>>()
  return {
    latency: Metric.histogram(Metrics.latency.id, {
      description: Metrics.latency.description,
      boundaries: Metrics.durationBoundaries,
      attributes
    }),
    dispatches: Metric.counter(Metrics.dispatches.id, {
      description: Metrics.dispatches.description,
      incremental: true,
      attributes
    }),
    errors: (tag: string) => {
      let counter = errors.get(tag)
      if (counter === undefined) {
        counter = Metric.counter(Metrics.errors.id, {
          description: Metrics.errors.description,
          incremental: true,
          attributes: { ...attributes, error: tag }
        })
        errors.set(tag, counter)
      }
      return counter
    }
  }
})

/**
 * Records one dispatch that began at `startNanos` on `clock` and ended with `exit`: its latency,
 * its count and (failed) its error's tag, straight into the registry of `services`.
 */
export const record = (
  definition: Definition,
  services: Context.Context<never>,
  clock: Clock.Clock,
  startNanos: bigint,
  exit: Exit.Exit<unknown, unknown>
): void => {
  const m = metricsOf(definition)
  m.latency.updateUnsafe(Number(clock.monotonicTimeNanosUnsafe() - startNanos) / 1e9, services)
  if (exit._tag === "Failure") {
    const error = Cause.findErrorOption(exit.cause)
    if (Option.isSome(error)) m.errors(tagOf(error.value)).updateUnsafe(1, services)
  }
  m.dispatches.updateUnsafe(1, services)
}

/** The log line of a failed dispatch: a warning, or an error for a defect. */
export const logFailure = (definition: Definition, cause: Cause.Cause<unknown>): Effect.Effect<void> => {
  if (Cause.hasDies(cause)) return Effect.logError(`${definition.kind} ${definition.name} died`, cause)
  // A query's declared failure is its answer (the 404 of a missing order), not a fault to warn about.
  if (definition.kind === "query") {
    const error = Cause.findErrorOption(cause)
    if (Option.isSome(error) && guardOf(definition.failure)(error.value))
      return Effect.logDebug(`query ${definition.name} answered a declared failure`, error.value)
  }
  return Effect.logWarning(`${definition.kind} ${definition.name} failed`, Cause.squash(cause))
}

/** Waits for `running` and interrupts it when interrupted waiting. */
export const awaitFiber = <A, E>(running: Fiber.Fiber<A, E>): Effect.Effect<A, E> =>
  Effect.onExitPrimitive(Fiber.join(running), (exit) =>
    Exit.hasInterrupts(exit) ? Fiber.interrupt(running) : undefined
  )

/**
 * Fails with `CommandTimeout` / `QueryTimeout` once the configured time has passed since
 * `elapsedMillis` ago.
 */
export const expiry = (
  definition: Definition,
  settings: CqrsConfig.Settings,
  elapsedMillis = 0
): Effect.Effect<never, unknown> => {
  const { kind, name } = definition
  const duration = kind === "command" ? settings.commandTimeout : settings.queryTimeout
  const timeoutMillis = Duration.toMillis(duration)
  return Effect.flatMap(
    Effect.sleep(elapsedMillis > 0 ? Duration.millis(Math.max(0, timeoutMillis - elapsedMillis)) : duration),
    () =>
      Effect.fail(
        kind === "command"
          ? new CommandTimeout({ name, timeoutMillis })
          : new QueryTimeout({ name, timeoutMillis })
      )
  )
}

/**
 * The outcome of `running`, or the `expiry` (and `running` interrupted) when it runs too long.
 * One fiber sleeps; `running` is watched, not joined by a racing fiber of its own.
 */
export const timeoutFiber = (
  definition: Definition,
  settings: CqrsConfig.Settings,
  running: Fiber.Fiber<unknown, unknown>
): Effect.Effect<unknown, unknown> =>
  Effect.withFiber((fiber) => {
    const sleeper = Effect.runForkWith(fiber.context)(expiry(definition, settings))
    const first = Effect.callback<unknown, unknown>((resume) => {
      const offRunning = running.addObserver(resume)
      const offSleeper = sleeper.addObserver(resume)
      return Effect.sync(() => {
        offRunning()
        offSleeper()
      })
    })
    return Effect.onExit(first, () => Effect.andThen(Fiber.interrupt(sleeper), Fiber.interrupt(running)))
  })

/** True when a command's exit is a `ConcurrencyError` that `retryOnConflict` would retry. */
export const isConflict = (exit: Exit.Exit<unknown, unknown>): boolean => {
  if (exit._tag === "Success") return false
  const error = Cause.findErrorOption(exit.cause)
  return Option.isSome(error) && tagOf(error.value) === "ConcurrencyError"
}

/** `again` up to `maxRetries` times with jittered exponential backoff while it fails with a `ConcurrencyError`. */
export const retryConflicts = (
  settings: CqrsConfig.Settings,
  again: Effect.Effect<unknown, unknown>
): Effect.Effect<unknown, unknown> =>
  Effect.retry(Effect.delay(again, settings.retryDelay), {
    while: (e) => tagOf(e) === "ConcurrencyError",
    schedule: Schedule.exponential(Duration.times(settings.retryDelay, 2)).pipe(Schedule.jittered),
    times: settings.maxRetries - 1
  })

/** `first`, and when it fails with a `ConcurrencyError`, `retryConflicts` of `again`. */
export const retryAfterConflict = (
  settings: CqrsConfig.Settings,
  first: Effect.Effect<unknown, unknown>,
  again: Effect.Effect<unknown, unknown>
): Effect.Effect<unknown, unknown> =>
  Effect.catch(first, (error) =>
    tagOf(error) !== "ConcurrencyError" ? Effect.fail(error) : retryConflicts(settings, again)
  )
