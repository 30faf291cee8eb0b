import { Clock, Context, Duration, Effect, Exit, Stream } from "effect"
import type { Checkpoint } from "./Checkpoint.js"
import type { ConcurrencyError, InvalidAppendError, StoreUnavailable, StreamNotFound } from "./Errors.js"
import type { AppendResult, EventEnvelope, EventMetadata, EventPayload, NewEvent } from "./EventEnvelope.js"
import type { ExpectedVersion } from "./ExpectedVersion.js"
import * as AppendTracker from "./internal/appendTracker.js"
import { withSpan } from "./internal/span.js"
import * as MessageContext from "./MessageContext.js"
import * as Metrics from "./Metrics.js"
import * as TraceContext from "./TraceContext.js"

export interface AppendOptions<E = never, R = never> {
  /** Default `"any"`. */
  readonly expectedVersion?: ExpectedVersion
  /**
   * Merged into every event's metadata (an event's own keys win). The current
   * `MessageContext`'s `correlationId`, `causationId` and `commandId` are merged in first, so keys
   * given here or on an event win over them. So is the append span's `traceparent` when a tracer
   * records spans (see `TraceContext`), for the async projections that process the events later.
   */
  readonly metadata?: EventMetadata
  /**
   * Runs with the stored envelopes before the append commits (inline projections). In SQL stores
   * it runs in the append's transaction; if it fails, nothing of the append is stored.
   */
  readonly inline?: (events: ReadonlyArray<EventEnvelope>) => Effect.Effect<void, E, R>
}

export interface ReadStreamOptions {
  /** First stream version to read (inclusive). Default: 1 forwards, the last version backwards. */
  readonly from?: number
  readonly direction?: "forwards" | "backwards"
  readonly limit?: number
}

export interface ReadAllOptions {
  /** Read events strictly after this checkpoint. Default: from the start. */
  readonly from?: Checkpoint
  readonly limit?: number
}

export interface SubscribeAllOptions {
  /** Deliver events strictly after this checkpoint. Default: from the start. */
  readonly from?: Checkpoint
}

export interface SubscribeStreamOptions {
  /** Deliver events from this stream version on (inclusive). Default 1. */
  readonly from?: number
}

/**
 * The event store port. Implementations: `@cello/store-memory`, `@cello/store-postgres`; each runs
 * the conformance suite in `@cello/eventsourcing/testing`.
 */
export interface EventStoreShape {
  /** Appends all events or none; checks `expectedVersion` first. An empty append only checks it. */
  readonly append: <E = never, R = never>(
    streamId: string,
    events: ReadonlyArray<NewEvent>,
    options?: AppendOptions<E, R>
  ) => Effect.Effect<AppendResult, ConcurrencyError | InvalidAppendError | StoreUnavailable | E, R>
  readonly readStream: (
    streamId: string,
    options?: ReadStreamOptions
  ) => Effect.Effect<ReadonlyArray<EventEnvelope>, StreamNotFound | StoreUnavailable>
  /**
   * The stream's events from version `from` on, in version order, with only what an aggregate load
   * reads of each (type, schema version, stream version, data); none when the stream has none (no
   * `StreamNotFound`). `Repository.load` reads through this. Optional: `make` fills it in from
   * `readStream`; a store implements it to read less per event than a whole envelope. A wrapper
   * that changes `readStream` (a fault injector, a counter) must change this the same way.
   */
  readonly readStreamPayloads?: (
    streamId: string,
    from: number
  ) => Effect.Effect<ReadonlyArray<EventPayload>, StoreUnavailable>
  /** Events of every stream in global order, never skipping one committed out of order. */
  readonly readAll: (
    options?: ReadAllOptions
  ) => Effect.Effect<ReadonlyArray<EventEnvelope>, StoreUnavailable>
  /** Catches up from a checkpoint, then follows live appends without a gap or duplicate. */
  readonly subscribeAll: (options?: SubscribeAllOptions) => Stream.Stream<EventEnvelope, StoreUnavailable>
  readonly subscribeStream: (
    streamId: string,
    options?: SubscribeStreamOptions
  ) => Stream.Stream<EventEnvelope, StoreUnavailable>
  /** The stream's version: the number of its events, 0 when it has none. */
  readonly streamVersion: (streamId: string) => Effect.Effect<number, StoreUnavailable>
  /** The checkpoint of the newest event a reader can see now (`Checkpoint.start` when empty). */
  readonly head: Effect.Effect<Checkpoint, StoreUnavailable>
}

export class EventStore extends Context.Service<EventStore, EventStoreShape>()(
  "@cello/eventsourcing/EventStore"
) {}

/** The append's options with the message context's ids and the trace context under the caller's own metadata. */
const withMessageContext = <E, R>(
  context: MessageContext.MessageContext,
  traceparent: string | undefined,
  options: AppendOptions<E, R> | undefined
): AppendOptions<E, R> | undefined => {
  if (
    context.correlationId === undefined &&
    context.causationId === undefined &&
    context.commandId === undefined &&
    traceparent === undefined
  )
    return options
  const metadata: EventMetadata =
    traceparent === undefined
      ? { ...context, ...options?.metadata }
      : { ...context, traceparent, ...options?.metadata }
  return options === undefined ? { metadata } : { ...options, metadata }
}

/** `readStreamPayloads` of a store that does not read payloads itself: its envelopes from `readStream`. */
const payloadsFromEnvelopes =
  (readStream: EventStoreShape["readStream"]): NonNullable<EventStoreShape["readStreamPayloads"]> =>
  (streamId, from) =>
    readStream(streamId, { from }).pipe(Effect.catchTag("StreamNotFound", () => Effect.succeed([])))

/**
 * The stream's payloads from version `from` on, through the store's `readStreamPayloads`, or its
 * `readStream` when it has none (a store built without `make`).
 */
export const readStreamPayloadsOf = (
  store: EventStoreShape,
  streamId: string,
  from: number
): Effect.Effect<ReadonlyArray<EventPayload>, StoreUnavailable> =>
  (store.readStreamPayloads ?? payloadsFromEnvelopes(store.readStream))(streamId, from)

/**
 * Wraps a store implementation with the spans (when a tracer is installed) and metrics every store
 * reports, records appends for `Consistency.track`, and writes the current `MessageContext`
 * (correlation, causation) and, when a tracer records spans, the append span's `traceparent` into
 * every appended event's metadata, so implementations only write storage code. Fills in
 * `readStreamPayloads` from `readStream` when the store has no narrower read. Stores build their
 * service with this.
 */
export const make = (store: EventStoreShape): EventStoreShape => ({
  ...store,
  append: (streamId, events, options) =>
    // One look at the fiber for the context, the clock, the metrics and the tracker, and one step
    // after the append for all three records: the untraced hot path pays a few µs, not a few Effects.
    Effect.withFiber((fiber) => {
      const clock = fiber.getRef(Clock.Clock)
      const start = clock.monotonicTimeNanosUnsafe()
      return Effect.onExit(
        store.append(
          streamId,
          events,
          withMessageContext(fiber.getRef(MessageContext.Current), TraceContext.ofFiber(fiber), options)
        ),
        (exit) =>
          Effect.sync(() => {
            const elapsed = Duration.nanos(clock.monotonicTimeNanosUnsafe() - start)
            Metrics.appendDuration.updateUnsafe(elapsed, fiber.context)
            if (Exit.isSuccess(exit)) {
              Metrics.eventsAppended.updateUnsafe(exit.value.events.length, fiber.context)
              AppendTracker.recordIn(fiber.getRef(AppendTracker.CurrentTracker), exit.value.checkpoint)
            }
          })
      )
    }).pipe(
      withSpan("EventStore.append", {
        attributes: { "cello.stream_id": streamId, "cello.events": events.length }
      })
    ),
  readStream: (streamId, options) =>
    store
      .readStream(streamId, options)
      .pipe(withSpan("EventStore.readStream", { attributes: { "cello.stream_id": streamId } })),
  readStreamPayloads: (streamId, from) =>
    readStreamPayloadsOf(store, streamId, from).pipe(
      withSpan("EventStore.readStreamPayloads", { attributes: { "cello.stream_id": streamId } })
    ),
  readAll: (options) => store.readAll(options).pipe(withSpan("EventStore.readAll", {}))
})

// Accessors, so programs can write `EventStore.append(...)` with the service taken from context.

export const append = <E = never, R = never>(
  streamId: string,
  events: ReadonlyArray<NewEvent>,
  options?: AppendOptions<E, R>
): Effect.Effect<
  AppendResult,
  ConcurrencyError | InvalidAppendError | StoreUnavailable | E,
  R | EventStore
> => EventStore.use((store) => store.append(streamId, events, options))

export const readStream = (
  streamId: string,
  options?: ReadStreamOptions
): Effect.Effect<ReadonlyArray<EventEnvelope>, StreamNotFound | StoreUnavailable, EventStore> =>
  EventStore.use((store) => store.readStream(streamId, options))

/** The stream's payloads from version `from` on (see `EventStoreShape.readStreamPayloads`). */
export const readStreamPayloads = (
  streamId: string,
  from = 1
): Effect.Effect<ReadonlyArray<EventPayload>, StoreUnavailable, EventStore> =>
  EventStore.use((store) => readStreamPayloadsOf(store, streamId, from))

export const readAll = (
  options?: ReadAllOptions
): Effect.Effect<ReadonlyArray<EventEnvelope>, StoreUnavailable, EventStore> =>
  EventStore.use((store) => store.readAll(options))

export const subscribeAll = (
  options?: SubscribeAllOptions
): Stream.Stream<EventEnvelope, StoreUnavailable, EventStore> =>
  Stream.unwrap(EventStore.useSync((store) => store.subscribeAll(options)))

export const subscribeStream = (
  streamId: string,
  options?: SubscribeStreamOptions
): Stream.Stream<EventEnvelope, StoreUnavailable, EventStore> =>
  Stream.unwrap(EventStore.useSync((store) => store.subscribeStream(streamId, options)))

export const streamVersion = (streamId: string): Effect.Effect<number, StoreUnavailable, EventStore> =>
  EventStore.use((store) => store.streamVersion(streamId))

export const head: Effect.Effect<Checkpoint, StoreUnavailable, EventStore> = EventStore.use(
  (store) => store.head
)
