/**
 * A projection turns events into a read model. It names the events it reads and has one handler for
 * each (checked by the compiler). Run it inline — inside the append, so the read model and the events
 * commit together in SQL stores — or asynchronously with `ProjectionRunner`, from a checkpoint.
 */
import { Cause, Context, Effect, Layer, Metric, Option, Result } from "effect"
import { ProjectionError, StoreUnavailable } from "./Errors.js"
import * as EventCatalog from "./EventCatalog.js"
import type { EventEnvelope } from "./EventEnvelope.js"
import type * as EventType from "./EventType.js"
import { lastContextOver } from "./internal/contextOver.js"
import * as MessageContext from "./MessageContext.js"
import * as Metrics from "./Metrics.js"

type Tagged = { readonly _tag: string }

export type Handlers<Ev extends Tagged, E, R> = {
  readonly [K in Ev["_tag"]]: (
    event: Extract<Ev, { readonly _tag: K }>,
    envelope: EventEnvelope
  ) => Effect.Effect<void, E, R>
}

export interface Projection<R = never> {
  readonly name: string
  /** True when the projection reads events of this stored type. */
  readonly handles: (type: string) => boolean
  /**
   * Applies one stored event; events of other types are not this projection's and pass by. A handler
   * failing with a `StoreUnavailable` (of any Cello package: its read-model store is down) fails with
   * this package's `StoreUnavailable`, which runners wait out; any other failure is a `ProjectionError`.
   */
  readonly apply: (envelope: EventEnvelope) => Effect.Effect<void, ProjectionError | StoreUnavailable, R>
  /**
   * `apply` for each event in order, as one effect (what runners use for a page): stops at the first
   * failure and returns its index and error; none when every event was applied.
   */
  readonly applyEach: (
    envelopes: ReadonlyArray<EventEnvelope>
  ) => Effect.Effect<Option.Option<Stopped>, never, R>
  /** Clears the read model before a rebuild. */
  readonly reset: Effect.Effect<void, ProjectionError | StoreUnavailable, R>
  /**
   * False when the handlers write nothing into the checkpoint store's database (see `make`): runners
   * then save a page's checkpoint on its own, without the store's transaction. Absent means true.
   */
  readonly transactional?: boolean
}

/** Where `applyEach` stopped: the index of the event that failed, and its error. */
export type Stopped = readonly [at: number, error: ProjectionError | StoreUnavailable]

const handleOne = <Ev extends Tagged, E, R, K extends Ev["_tag"]>(
  handlers: Handlers<Ev, E, R>,
  tag: K,
  event: Extract<Ev, { readonly _tag: K }>,
  envelope: EventEnvelope
): Effect.Effect<void, E, R> => handlers[tag](event, envelope)

const text = (e: object, field: string): string => {
  const value: unknown = Reflect.get(e, field)
  return typeof value === "string" ? value : ""
}

/** A store outage, whichever package's error reports it: the read side is down, not the event wrong. */
const asUnavailable = (e: unknown): StoreUnavailable | undefined =>
  typeof e === "object" && e !== null && "_tag" in e && e._tag === "StoreUnavailable"
    ? new StoreUnavailable({
        store: text(e, "store"),
        operation: text(e, "operation"),
        detail: text(e, "detail")
      })
    : undefined

const describe = (e: unknown): string =>
  typeof e === "object" &&
  e !== null &&
  "message" in e &&
  typeof e.message === "string" &&
  e.message.length > 0
    ? e.message
    : String(e)

/** The services a handlers object needs: the union of its handlers' requirements. */
export type HandlersContext<H> = {
  readonly [K in keyof H]: H[K] extends (
    ...args: ReadonlyArray<never>
  ) => Effect.Effect<unknown, unknown, infer R>
    ? R
    : never
}[keyof H]

/**
 * Defines a projection: the events it reads and one handler per event (each may fail with its own
 * error and need its own services; the projection needs their union).
 */
export function make<
  const Defs extends ReadonlyArray<EventType.Definition>,
  const H extends Handlers<EventType.EventOf<Defs[number]>, unknown, unknown>,
  RR = never
>(options: {
  readonly name: string
  readonly events: Defs
  readonly handlers: H & Record<Exclude<keyof H, EventType.EventOf<Defs[number]>["_tag"]>, never>
  readonly reset?: Effect.Effect<void, unknown, RR>
  /**
   * Whether a runner applies each page inside the checkpoint store's transaction (default true), so
   * the handlers' writes into that database and the checkpoint commit together: applied exactly once.
   * Set false when the handlers write nothing there (the read model is in memory, in another store,
   * in a search index): the transaction buys nothing then, and without it a page's checkpoint is one
   * statement instead of three round trips. Writes outside the store's database are applied at least
   * once either way (a crash between applying and saving the checkpoint applies them again).
   */
  readonly transactional?: boolean
}): Projection<HandlersContext<H> | RR>
export function make<const Defs extends ReadonlyArray<EventType.Definition>, E, R>(options: {
  readonly name: string
  readonly events: Defs
  readonly handlers: Handlers<EventType.EventOf<Defs[number]>, E, R>
  readonly reset?: Effect.Effect<void, E, R>
  readonly transactional?: boolean
}): Projection<R> {
  const catalog = EventCatalog.make(options.events)
  // Its attributes built in: `Metric.withAttributes` adds them to the context on every update.
  const counter = Metric.counter(Metrics.projectionEvents.id, {
    description: Metrics.projectionEvents.description,
    incremental: true,
    attributes: { projection: options.name }
  })
  const fail =
    (envelope: EventEnvelope) =>
    (cause: unknown): ProjectionError | StoreUnavailable =>
      asUnavailable(cause) ??
      new ProjectionError({
        projection: options.name,
        streamId: envelope.streamId,
        version: envelope.streamVersion,
        type: envelope.type,
        cause: describe(cause)
      })
  // The handler's effect for one event of a type this projection reads (failing with the decode
  // error or the handler's own). Decoded without an Effect of its own unless an upcaster has to run.
  const handle = (envelope: EventEnvelope): Effect.Effect<void, unknown, R> => {
    const current = catalog.decodeCurrent(envelope)
    if (current === undefined)
      return Effect.flatMap(catalog.decode(envelope), (event) =>
        handleOne(options.handlers, event._tag, event, envelope)
      )
    if (Result.isFailure(current)) return Effect.fail(current.failure)
    return handleOne(options.handlers, current.success._tag, current.success, envelope)
  }
  // An event the handler appends is caused by this one and shares its correlation.
  const caused = (envelope: EventEnvelope) =>
    MessageContext.provide(handle(envelope), MessageContext.causedByEvent(envelope))
  // Counted once per run of events, not per event: a metric update is an effect of its own.
  const count = <A>(applied: number, result: A): Effect.Effect<A> =>
    applied === 0 ? Effect.succeed(result) : Effect.as(Metric.update(counter, applied), result)
  // A page of events as one effect: a plain loop skips the events of other types, and each applied
  // event costs its handler's effect and one continuation. Its message context is set on the fiber
  // directly (what `MessageContext.provide` does, without two effects and a finalizer an event).
  const applyEach = (
    envelopes: ReadonlyArray<EventEnvelope>
  ): Effect.Effect<Option.Option<Stopped>, never, R> =>
    Effect.withFiber((fiber) => {
      const outer = fiber.context
      let at = 0
      let applied = 0
      const next = (): Effect.Effect<Option.Option<Stopped>, never, R> => {
        for (; at < envelopes.length; at++) {
          const envelope = envelopes[at]
          if (envelope === undefined || !catalog.has(envelope.type)) continue
          fiber.setContext(Context.add(outer, MessageContext.Current, MessageContext.causedByEvent(envelope)))
          return Effect.matchCauseEffect(handle(envelope), continuation)
        }
        fiber.setContext(outer)
        return count(applied, Option.none())
      }
      // Both take one argument: `matchCauseEffect` wraps a continuation of another arity per call.
      const continuation = {
        onSuccess: (_: unknown) => {
          at++
          applied++
          return next()
        },
        onFailure: (cause: Cause.Cause<unknown>) => {
          fiber.setContext(outer)
          const error = Cause.findError(cause)
          const envelope = envelopes[at]
          // A defect or an interruption is not the handler's error: it goes on as it is.
          if (Cause.hasDies(cause) || Result.isFailure(error) || envelope === undefined)
            return Effect.andThen(count(applied, undefined), Effect.failCause(cause)).pipe(Effect.orDie)
          return count(applied, Option.some<Stopped>([at, fail(envelope)(error.success)]))
        }
      }
      // Interrupted, or a handler died (or threw): the fiber goes on with its own context.
      return Effect.onExit(Effect.suspend(next), () => Effect.sync(() => fiber.setContext(outer)))
    })
  return {
    name: options.name,
    handles: catalog.has,
    apply: (envelope) =>
      catalog.has(envelope.type)
        ? caused(envelope).pipe(
            Effect.mapError(fail(envelope)),
            Effect.tap(() => Metric.update(counter, 1))
          )
        : Effect.void,
    applyEach,
    transactional: options.transactional ?? true,
    reset:
      options.reset === undefined
        ? Effect.void
        : Effect.mapError(
            options.reset,
            (cause) =>
              asUnavailable(cause) ??
              new ProjectionError({
                projection: options.name,
                streamId: "",
                version: 0,
                type: "reset",
                cause: describe(cause)
              })
          )
  }
}

/**
 * Applies every event to every projection, in order. With `traced`, each projection's batch is a
 * `Projection.apply` span (the caller asks only when a tracer that records spans is installed).
 * Projections that read none of the events are skipped before any Effect is made for them, and one
 * projection reading the one event (a command's usual append) is applied without a loop.
 */
export const applyAll = <R>(
  projections: ReadonlyArray<Projection<R>>,
  events: ReadonlyArray<EventEnvelope>,
  traced = false
): Effect.Effect<void, ProjectionError | StoreUnavailable, R> => {
  const reading = projections.filter((p) => events.some((event) => p.handles(event.type)))
  const only = reading.length === 1 && events.length === 1 && !traced ? reading[0] : undefined
  const event = events[0]
  if (only !== undefined && event !== undefined) return only.apply(event)
  return Effect.forEach(
    reading,
    (p) => {
      const applied = Effect.forEach(events, p.apply, { discard: true })
      return traced
        ? applied.pipe(
            Effect.withSpan(
              "Projection.apply",
              { attributes: { "cello.projection": p.name, "cello.events": events.length } },
              { captureStackTrace: false }
            )
          )
        : applied
    },
    { discard: true }
  )
}

/** The projections `Repository` runs inside every append. Empty unless `layerInline` provides some. */
export const InlineProjections = Context.Reference<ReadonlyArray<Projection>>(
  "@cello/eventsourcing/InlineProjections",
  { defaultValue: () => [] }
)

/**
 * Registers inline projections. Their requirements (a read-model store, a SQL client) are taken from
 * the layer's context, so they run with the same services inside the append's transaction.
 */
export const layerInline = <R>(projections: ReadonlyArray<Projection<R>>): Layer.Layer<never, never, R> =>
  Layer.effect(
    InlineProjections,
    Effect.map(Effect.context<R>(), (context) =>
      projections.map((p): Projection => {
        // The layer's context over the appending fiber's, merged once per fiber context (not once per
        // event).
        const over = lastContextOver(context)
        return {
          ...p,
          apply: (envelope) =>
            p.handles(envelope.type)
              ? Effect.updateContext(p.apply(envelope), (outer: Context.Context<never>) => over(outer))
              : Effect.void,
          applyEach: (envelopes) =>
            Effect.updateContext(p.applyEach(envelopes), (outer: Context.Context<never>) => over(outer)),
          reset: Effect.provideContext(p.reset, context)
        }
      })
    )
  )
