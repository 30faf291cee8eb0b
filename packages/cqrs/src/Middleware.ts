/**
 * Middleware wraps every dispatch of a bus, outermost first: `(context, next) => effect`. The defaults
 * give each dispatch a span (when a tracer is installed), metrics, logging, a timeout and (commands)
 * retries of `ConcurrencyError`; `idempotency` is opt-in (it needs an `IdempotencyStore`). Write your
 * own with the same shape.
 */
import { Cause, Clock, type Duration, Effect, Option, Schedule, Schema, Tracer } from "effect"
import type * as CqrsConfig from "./CqrsConfig.js"
import { IdempotencyStore, type Outcome } from "./IdempotencyStore.js"
import { logFailure, record, retryAfterConflict, spanOf, timeoutFiber } from "./internal/defaults.js"
import type { Definition } from "./Message.js"

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

/** Dispatch count, latency histogram (seconds) and errors by tag, each by kind and name. */
export const metrics: Handler = (context, next) =>
  // One finalizer records all three (an interrupted dispatch too), straight into the registry of
  // the dispatching fiber.
  Effect.withFiber((fiber) => {
    const services = fiber.context
    const clock = fiber.getRef(Clock.Clock)
    const start = clock.monotonicTimeNanosUnsafe()
    return Effect.onExitPrimitive(next, (exit) => {
      record(context.definition, services, clock, start, exit)
      return undefined
    })
  })

/**
 * Logs failures (warning) and defects (error) with the message name; a query's declared failure is
 * its answer (a not-found), logged at Debug.
 */
export const logging: Handler = (context, next) =>
  Effect.tapCause(next, (cause) => logFailure(context.definition, cause))

/**
 * Fails with `CommandTimeout` / `QueryTimeout` after the configured time. The dispatch starts at
 * once in a fiber of its own; one that is already done (no I/O) returns without a timer.
 */
export const timeout: Handler = (context, next) =>
  Effect.withFiber((fiber) => {
    const running = Effect.runForkWith(fiber.context)(next)
    return running.pollUnsafe() ?? timeoutFiber(context.definition, context.settings, running)
  })

/**
 * Runs a command again when it failed with a `ConcurrencyError` (another writer won), up to
 * `maxRetries` times with jittered exponential backoff. Nothing is set up unless a conflict happens.
 */
export const retryOnConflict: Handler = (context, next) =>
  context.kind === "query" || context.settings.maxRetries === 0
    ? next
    : retryAfterConflict(context.settings, next, next)

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
