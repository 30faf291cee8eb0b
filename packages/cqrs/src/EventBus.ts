/**
 * In-process publish/subscribe of domain or integration events. Every subscriber whose schema
 * accepts the event runs, at most `concurrency` at a time; a failing subscriber (error or defect)
 * never stops the others, and its failure is logged, counted and returned in the `PublishResult`.
 */
import { Cause, Context, Effect, Layer, Metric, Schema } from "effect"
import * as CqrsConfig from "./CqrsConfig.js"
import * as MessageContext from "./MessageContext.js"
import * as Metrics from "./Metrics.js"

export interface Failure {
  readonly handler: string
  readonly error: string
}

export interface PublishResult {
  /** Subscribers that handled the event. */
  readonly delivered: number
  readonly failed: ReadonlyArray<Failure>
}

interface Subscription {
  readonly name: string
  readonly accepts: (event: unknown) => boolean
  readonly handle: (event: unknown) => Effect.Effect<void, unknown>
}

/** A stored event (an `EventEnvelope` fits): its id and correlation. */
export interface StoredEvent {
  readonly eventId: string
  readonly metadata: { readonly correlationId?: string | undefined }
}

export interface PublishOptions {
  /**
   * The stored event this one is: subscribers run with its id as `causationId` and its correlation
   * id in the `MessageContext`, so the events they append name it as their cause.
   */
  readonly stored?: StoredEvent
}

export interface EventBusShape {
  readonly publish: (
    event: { readonly _tag: string },
    options?: PublishOptions
  ) => Effect.Effect<PublishResult>
  readonly publishAll: (
    events: ReadonlyArray<{ readonly _tag: string }>
  ) => Effect.Effect<ReadonlyArray<PublishResult>>
}

export class EventBus extends Context.Service<EventBus, EventBusShape>()("@cello/cqrs/EventBus") {}

/** Where subscriber layers register; provided by `layer`. */
export class EventSubscriptions extends Context.Service<EventSubscriptions, Array<Subscription>>()(
  "@cello/cqrs/EventSubscriptions"
) {}

export interface Options {
  /** How many subscribers run at once for one event (default 10). */
  readonly concurrency?: number
}

export const layer = (options: Options = {}): Layer.Layer<EventBus | EventSubscriptions> =>
  Layer.effect(
    EventBus,
    Effect.gen(function* () {
      const subscriptions = yield* EventSubscriptions
      const settings = yield* CqrsConfig.CqrsConfig
      const concurrency = options.concurrency ?? 10
      const publish = (event: { readonly _tag: string }, options: PublishOptions = {}) =>
        Effect.gen(function* () {
          if (!settings.enableEventSync) return { delivered: 0, failed: [] }
          const targets = subscriptions.filter((s) => s.accepts(event))
          const stored = options.stored
          const handle = (s: Subscription) =>
            stored === undefined
              ? s.handle(event)
              : MessageContext.provide(s.handle(event), MessageContext.causedByEvent(stored))
          const outcomes = yield* Effect.forEach(
            targets,
            (s) =>
              handle(s).pipe(
                Effect.as(undefined),
                Effect.catchCause((cause) =>
                  Effect.gen(function* () {
                    const error = Cause.pretty(cause)
                    yield* Effect.logWarning(`event handler "${s.name}" failed on ${event._tag}`, error)
                    yield* Metric.update(
                      Metric.withAttributes(Metrics.eventHandlerFailures, {
                        event: event._tag,
                        handler: s.name
                      }),
                      1
                    )
                    return { handler: s.name, error: String(Cause.squash(cause)) }
                  })
                )
              ),
            { concurrency }
          )
          const failed = outcomes.filter((o): o is Failure => o !== undefined)
          return { delivered: targets.length - failed.length, failed }
        }).pipe(
          Effect.withSpan(
            "EventBus.publish",
            {
              attributes: { "cello.event": event._tag }
            },
            { captureStackTrace: false }
          )
        )
      return EventBus.of({
        publish,
        publishAll: (events) => Effect.forEach(events, (event) => publish(event))
      })
    })
  ).pipe(Layer.provideMerge(Layer.sync(EventSubscriptions, () => [])))

/** Subscribes a named handler to the events its schema accepts (e.g. a tagged class). */
export const subscribe = <A, E, R>(
  name: string,
  schema: Schema.Codec<A, unknown>,
  handle: (event: A) => Effect.Effect<void, E, R>
): Layer.Layer<never, never, R | EventSubscriptions> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const subscriptions = yield* EventSubscriptions
      const context = yield* Effect.context<R>()
      const accepts = Schema.is(schema)
      subscriptions.push({
        name,
        accepts,
        handle: (event) => (accepts(event) ? Effect.provideContext(handle(event), context) : Effect.void)
      })
    })
  )

export const publish = (
  event: { readonly _tag: string },
  options?: PublishOptions
): Effect.Effect<PublishResult, never, EventBus> => EventBus.use((bus) => bus.publish(event, options))
