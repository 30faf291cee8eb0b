/**
 * Middleware wraps every dispatch of a bus, outermost first: `(context, next) => effect`. The defaults
 * give each dispatch a span (when a tracer is installed), metrics, logging, a timeout and (commands)
 * retries of `ConcurrencyError`; `idempotency` is opt-in (it needs an `IdempotencyStore`). Write your
 * own with the same shape.
 */
import { Cause, Clock, Duration, Effect, Fiber, Metric, Option, Schedule, Schema, Tracer } from "effect"
import type * as CqrsConfig from "./CqrsConfig.js"
import { CommandTimeout, QueryTimeout } from "./Errors.js"
import { IdempotencyStore, type Outcome } from "./IdempotencyStore.js"
import type { Definition } from "./Message.js"
import * as Metrics from "./Metrics.js"

export interface DispatchContext {
  readonly kind: "command" | "query"
  readonly definition: Definition
  readonly payload: unknown
  /** From `dispatch(..., { idempotencyKey })`. */
  readonly idempotencyKey: string | undefined
  readonly settings: CqrsConfig.Settings
  /** Commands: this dispatch's own id, the `causationId` of the events its handler appends. */
  readonly commandId: string | undefined
  /** Commands: the correlation id it runs under (the request's, or its own id when it has none). */
  readonly correlationId: string | undefined
}

/** One step of the chain: `next` is the rest of it. */
export type Handler = (
  context: DispatchContext,
  next: Effect.Effect<unknown, unknown>
) => Effect.Effect<unknown, unknown>

/**
 * A middleware is a `Handler`, or an effect that builds one from services when the bus is built (so
 * nothing is looked up per dispatch): `Middleware<IdempotencyStore>`.
 */
export type Middleware<R = never> = Handler | Effect.Effect<Handler, never, R>

const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : "unknown"

/**
 * What a middleware works out once per message and reuses on every dispatch of it (keyed by the
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

const spanOf = perMessage((definition) => ({
  name: `${definition.kind === "command" ? "CommandBus" : "QueryBus"}.dispatch ${definition.name}`,
  options: {
    attributes: { "cello.kind": definition.kind, "cello.name": definition.name },
    // A stack trace per dispatch would cost more than the rest of the bus together.
    captureStackTrace: false
  }
}))

/**
 * A span per dispatch, named `CommandBus.dispatch <Name>` / `QueryBus.dispatch <Name>`, when a
 * tracer is installed: under Effect's native tracer, whose spans go nowhere, it opens none (a span
 * cost more than the rest of a dispatch).
 */
export const tracing: Handler = (context, next) => {
  const span = spanOf(context.definition)
  return Effect.withFiber((fiber) =>
    fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer
      ? next
      : Effect.withSpan(next, span.name, span.options)
  )
}

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

/** Dispatch count, latency histogram (seconds) and errors by tag, each by kind and name. */
export const metrics: Handler = (context, next) => {
  const m = metricsOf(context.definition)
  // One finalizer records all three (an interrupted dispatch too), straight into the registry of
  // the dispatching fiber.
  return Effect.withFiber((fiber) => {
    const services = fiber.context
    const clock = fiber.getRef(Clock.Clock)
    const start = clock.monotonicTimeNanosUnsafe()
    return Effect.onExit(next, (exit) => {
      m.latency.updateUnsafe(Number(clock.monotonicTimeNanosUnsafe() - start) / 1e9, services)
      if (exit._tag === "Failure") {
        const error = Cause.findErrorOption(exit.cause)
        if (Option.isSome(error)) m.errors(tagOf(error.value)).updateUnsafe(1, services)
      }
      m.dispatches.updateUnsafe(1, services)
      return Effect.void
    })
  })
}

/** Logs failures (warning) and defects (error) with the message name. */
export const logging: Handler = (context, next) =>
  next.pipe(
    Effect.tapCause((cause) =>
      Cause.hasDies(cause)
        ? Effect.logError(`${context.kind} ${context.definition.name} died`, cause)
        : Effect.logWarning(`${context.kind} ${context.definition.name} failed`, Cause.squash(cause))
    )
  )

/**
 * Fails with `CommandTimeout` / `QueryTimeout` after the configured time. The dispatch starts at
 * once in a child fiber; one that is already done (no I/O) returns without a timer.
 */
export const timeout: Handler = (context, next) => {
  const { kind, name } = context.definition
  const duration = kind === "command" ? context.settings.commandTimeout : context.settings.queryTimeout
  return Effect.flatMap(Effect.forkChild(next, { startImmediately: true }), (fiber) => {
    const done = fiber.pollUnsafe()
    if (done !== undefined) return done
    const timeoutMillis = Duration.toMillis(duration)
    const expired = Effect.flatMap(Effect.sleep(duration), () =>
      Effect.fail(
        kind === "command"
          ? new CommandTimeout({ name, timeoutMillis })
          : new QueryTimeout({ name, timeoutMillis })
      )
    )
    return Effect.onExit(Effect.raceFirst(Fiber.join(fiber), expired), () => Fiber.interrupt(fiber))
  })
}

/**
 * Runs a command again when it failed with a `ConcurrencyError` (another writer won), up to
 * `maxRetries` times with jittered exponential backoff. Nothing is set up unless a conflict happens.
 */
export const retryOnConflict: Handler = (context, next) =>
  context.kind === "query" || context.settings.maxRetries === 0
    ? next
    : Effect.catch(next, (error) =>
        tagOf(error) !== "ConcurrencyError"
          ? Effect.fail(error)
          : Effect.retry(Effect.delay(next, context.settings.retryDelay), {
              while: (e) => tagOf(e) === "ConcurrencyError",
              schedule: Schedule.exponential(Duration.times(context.settings.retryDelay, 2)).pipe(
                Schedule.jittered
              ),
              times: context.settings.maxRetries - 1
            })
      )

/** The defaults, outermost first. */
export const defaults: ReadonlyArray<Handler> = [tracing, metrics, logging, timeout, retryOnConflict]

/** How long an idempotency claim lives without an outcome, and how long outcomes are kept. */
export interface IdempotencyOptions {
  readonly claimTtl?: Duration.Input
  readonly retention?: Duration.Input
  /** How often a dispatch waits for another holding the same key (default 25 millis). */
  readonly pollInterval?: Duration.Input
}

/**
 * A command carrying an idempotency key runs once: later dispatches with the key get the first
 * outcome (success or declared failure) back without running it. A concurrent dispatch with the key
 * waits for the first. A defect or interruption releases the key, so the command can run again.
 */
export const idempotency = (options: IdempotencyOptions = {}): Middleware<IdempotencyStore> =>
  Effect.map(
    IdempotencyStore,
    (store): Handler =>
      (context, next) => {
        const key = context.idempotencyKey
        if (key === undefined) return next
        const { definition } = context
        const scoped = `${definition.name}:${key}`
        const success = Schema.toCodecJson(definition.success)
        const failure = Schema.toCodecJson(definition.failure)
        const replay = (outcome: Outcome) =>
          outcome._tag === "Succeeded"
            ? Effect.orDie(Schema.decodeUnknownEffect(success)(outcome.value))
            : Effect.flatMap(Effect.orDie(Schema.decodeUnknownEffect(failure)(outcome.error)), Effect.fail)
        return Effect.gen(function* () {
          const claimTtl = options.claimTtl ?? "1 minute"
          const claim = yield* store.claim(scoped, claimTtl).pipe(
            Effect.repeat({
              until: (c) => c._tag !== "InProgress",
              schedule: Schedule.spaced(options.pollInterval ?? "25 millis")
            })
          )
          if (claim._tag === "Completed") return yield* replay(claim.outcome)
          const retention = options.retention ?? "24 hours"
          const exit = yield* Effect.exit(next)
          if (exit._tag === "Success") {
            const value = yield* Effect.orDie(Schema.encodeUnknownEffect(success)(exit.value))
            yield* store.complete(scoped, { _tag: "Succeeded", value }, retention)
            return exit.value
          }
          const declared = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
          if (declared !== undefined && Schema.is(definition.failure)(declared)) {
            const error = yield* Effect.orDie(Schema.encodeUnknownEffect(failure)(declared))
            yield* store.complete(scoped, { _tag: "Failed", error }, retention)
          } else yield* store.release(scoped)
          return yield* exit
        })
      }
  )
