/**
 * Loading and saving aggregates: load = newest usable snapshot + the events after it, upcast and
 * folded; save = append with the loaded version as expected version, inline projections in the same
 * append, then a snapshot when one is due. `handle` runs load → decide → save and retries on
 * `ConcurrencyError` with backoff; `create` skips the load for an aggregate expected to be new.
 */
import {
  Cause,
  Context,
  Duration,
  Effect,
  type Fiber,
  Metric,
  Option,
  Result,
  Schedule,
  Tracer
} from "effect"
import * as Aggregate from "./Aggregate.js"
import type {
  ConcurrencyError,
  EventDecodeError,
  InvalidAppendError,
  ProjectionError,
  StoreUnavailable
} from "./Errors.js"
import type { AppendResult, EventEnvelope, EventMetadata, NewEvent } from "./EventEnvelope.js"
import { EventSourcingConfig, type Settings } from "./EventSourcingConfig.js"
import { EventStore, readStreamPayloadsOf } from "./EventStore.js"
import { withSpan } from "./internal/span.js"
import * as Metrics from "./Metrics.js"
import * as Projection from "./Projection.js"
import { SnapshotStore } from "./SnapshotStore.js"

type Tagged = { readonly _tag: string }

/** An aggregate as loaded: its state and the stream version that state includes (0 = new). */
export interface Loaded<S> {
  readonly id: string
  readonly streamId: string
  readonly state: S
  readonly version: number
}

export interface SaveOptions {
  readonly metadata?: EventMetadata
}

export interface Saved<S, Ev> extends Loaded<S> {
  readonly events: ReadonlyArray<Ev>
  readonly envelopes: ReadonlyArray<EventEnvelope>
}

export type SaveError = ConcurrencyError | InvalidAppendError | StoreUnavailable | ProjectionError

const snapshotState = <S, Ev extends Tagged>(
  aggregate: Aggregate.Aggregate<S, Ev>,
  streamId: string
): Effect.Effect<Option.Option<{ readonly state: S; readonly version: number }>, never> =>
  Effect.gen(function* () {
    const codec = Option.getOrUndefined(aggregate.snapshot)
    const store = Option.getOrUndefined(yield* Effect.serviceOption(SnapshotStore))
    if (codec === undefined || store === undefined) return Option.none()
    const stored = yield* store.load(streamId)
    if (Option.isNone(stored) || stored.value.stateVersion !== codec.version) return Option.none()
    const state = yield* codec.decode(stored.value.state)
    return Option.some({ state, version: stored.value.streamVersion })
  }).pipe(
    // A snapshot is only a shortcut: when it cannot be used, the events are the truth.
    Effect.catch((error) =>
      Effect.as(
        Effect.logWarning("snapshot ignored; replaying events", { streamId, error: String(error) }),
        Option.none()
      )
    )
  )

/** Loads an aggregate. A stream with no event loads as the initial state at version 0. */
export const load = <S, Ev extends Tagged>(
  aggregate: Aggregate.Aggregate<S, Ev>,
  id: string
): Effect.Effect<Loaded<S>, EventDecodeError | StoreUnavailable, EventStore> =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const streamId = aggregate.streamId(id)
    const start = Option.getOrElse(yield* snapshotState(aggregate, streamId), () => ({
      state: aggregate.initialState,
      version: 0
    }))
    // Only what decoding reads of each event: a long replay is mostly this read and the decode.
    const payloads = yield* readStreamPayloadsOf(store, streamId, start.version + 1)
    const catalog = aggregate.events
    let state = start.state
    let version = start.version
    // Events stored at their current schema version decode without an Effect each (most of a long
    // replay); only upcasting goes through one.
    for (const payload of payloads) {
      const current = catalog.decodeCurrentPayload(streamId, payload)
      const event =
        current === undefined
          ? yield* catalog.decodePayload(streamId, payload)
          : Result.isSuccess(current)
            ? current.success
            : yield* Effect.fail(current.failure)
      state = aggregate.evolve(state, event)
      version = payload.streamVersion
    }
    yield* Metric.update(Metrics.eventsReplayed, payloads.length)
    return { id, streamId, state, version }
  }).pipe(
    Effect.trackDuration(Metrics.loadDuration),
    withSpan("Repository.load", { attributes: { "cello.aggregate": aggregate.name, "cello.id": id } })
  )

/**
 * The snapshot a save is due, if one is: plain checks first, so the common save (no snapshot due)
 * costs no Effect.
 */
const maybeSnapshot = <S, Ev extends Tagged>(
  fiber: Fiber.Fiber<unknown, unknown>,
  aggregate: Aggregate.Aggregate<S, Ev>,
  streamId: string,
  before: number,
  after: number,
  state: S
): Effect.Effect<void> | undefined => {
  const { snapshotInterval } = fiber.getRef(EventSourcingConfig)
  const codec = Option.getOrUndefined(aggregate.snapshot)
  if (snapshotInterval <= 0 || codec === undefined) return undefined
  if (Math.floor(after / snapshotInterval) === Math.floor(before / snapshotInterval)) return undefined
  const store = Context.getOrUndefined(fiber.context, SnapshotStore)
  if (store === undefined) return undefined
  return Effect.flatMap(codec.encode(state), (encoded) =>
    Effect.andThen(
      store.save({ streamId, streamVersion: after, stateVersion: codec.version, state: encoded }),
      Metric.update(Metrics.snapshotsCreated, 1)
    )
  ).pipe(
    // The events are committed: a failed snapshot (even a defect) must not fail the command, whose
    // caller would retry it; it only costs a longer replay next time.
    Effect.catchCause((cause) =>
      Effect.logWarning("snapshot not saved", { streamId, cause: Cause.pretty(cause) })
    )
  )
}

/** The events as the store takes them; one event (the common decision) without a loop of Effects. */
const encodeAll = <S, Ev extends Tagged>(
  aggregate: Aggregate.Aggregate<S, Ev>,
  streamId: string,
  events: ReadonlyArray<Ev>
): Effect.Effect<ReadonlyArray<NewEvent>, InvalidAppendError> => {
  const only = events.length === 1 ? events[0] : undefined
  return only === undefined
    ? Effect.forEach(events, (event) => aggregate.events.encode(streamId, event))
    : Effect.map(aggregate.events.encode(streamId, only), (encoded) => [encoded])
}

/**
 * `save` in the fiber that runs it: written without `Effect.gen` (a generator per call costs about a
 * microsecond and a new V8 map), the services read from the fiber in one step.
 */
const saveIn = <S, Ev extends Tagged>(
  fiber: Fiber.Fiber<unknown, unknown>,
  aggregate: Aggregate.Aggregate<S, Ev>,
  loaded: Loaded<S>,
  events: ReadonlyArray<Ev>,
  options: SaveOptions
): Effect.Effect<Saved<S, Ev>, SaveError, EventStore> => {
  const store = Context.getUnsafe(fiber.context, EventStore)
  const projections = fiber.getRef(Projection.InlineProjections)
  // A span per inline projection only when spans go somewhere: none on the untraced hot path.
  const traced = projections.length > 0 && fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer
  const appendOptions = {
    expectedVersion: loaded.version === 0 ? ("no_stream" as const) : loaded.version,
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    ...(projections.length === 0
      ? {}
      : {
          inline: (envelopes: ReadonlyArray<EventEnvelope>) =>
            Projection.applyAll(projections, envelopes, traced)
        })
  }
  return Effect.flatMap(encodeAll(aggregate, loaded.streamId, events), (encoded) =>
    Effect.flatMap(store.append(loaded.streamId, encoded, appendOptions), (result: AppendResult) => {
      const state = Aggregate.fold(aggregate, loaded.state, events)
      const saved: Saved<S, Ev> = {
        id: loaded.id,
        streamId: loaded.streamId,
        state,
        version: result.nextExpectedVersion,
        events,
        envelopes: result.events
      }
      const snapshot = maybeSnapshot(
        fiber,
        aggregate,
        loaded.streamId,
        loaded.version,
        result.nextExpectedVersion,
        state
      )
      return snapshot === undefined ? Effect.succeed(saved) : Effect.as(snapshot, saved)
    })
  )
}

/**
 * Appends events decided on a loaded aggregate, expecting the loaded version, with inline projections
 * inside the append, and takes a snapshot when one is due.
 */
export const save = <S, Ev extends Tagged>(
  aggregate: Aggregate.Aggregate<S, Ev>,
  loaded: Loaded<S>,
  events: ReadonlyArray<Ev>,
  options: SaveOptions = {}
): Effect.Effect<Saved<S, Ev>, SaveError, EventStore> =>
  Effect.withFiber((fiber) => saveIn(fiber, aggregate, loaded, events, options)).pipe(
    withSpan("Repository.save", { attributes: { "cello.aggregate": aggregate.name } })
  )

/** `decide` on a loaded aggregate, then `save` what it decided (a decision of no events saves nothing). */
const decideAndSave = <S, Ev extends Tagged, E, R>(
  aggregate: Aggregate.Aggregate<S, Ev>,
  loaded: Loaded<S>,
  decide: (state: S, loaded: Loaded<S>) => Effect.Effect<ReadonlyArray<Ev>, E, R> | ReadonlyArray<Ev>,
  options: SaveOptions
): Effect.Effect<Saved<S, Ev>, E | SaveError, R | EventStore> => {
  const saveDecided = (events: ReadonlyArray<Ev>) =>
    events.length === 0
      ? Effect.succeed<Saved<S, Ev>>({ ...loaded, events, envelopes: [] })
      : save(aggregate, loaded, events, options)
  const decided = decide(loaded.state, loaded)
  return Effect.isEffect(decided) ? Effect.flatMap(decided, saveDecided) : saveDecided(decided)
}

// A schedule is a value: built once per config, not on every command.
const schedules = new WeakMap<Settings, Schedule.Schedule<Duration.Duration>>()
const retrySchedule = (config: Settings) => {
  let schedule = schedules.get(config)
  if (schedule === undefined) {
    schedule = Schedule.exponential(config.retryDelay).pipe(
      Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, config.maxRetryDelay))),
      Schedule.jittered,
      Schedule.upTo({ duration: config.retryTimeout })
    )
    schedules.set(config, schedule)
  }
  return schedule
}

const isConcurrencyError = (error: unknown): error is ConcurrencyError =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "ConcurrencyError"

/**
 * Runs a command on an aggregate: load, decide, save. On `ConcurrencyError` (another writer won) it
 * reloads and decides again, with jittered exponential backoff (from `retryDelay`, capped at
 * `maxRetryDelay`), up to `maxConcurrencyRetries` times and for at most `retryTimeout`.
 * A decision of no events saves nothing.
 */
export const handle = <S, Ev extends Tagged, E = never, R = never>(
  aggregate: Aggregate.Aggregate<S, Ev>,
  id: string,
  decide: (state: S, loaded: Loaded<S>) => Effect.Effect<ReadonlyArray<Ev>, E, R> | ReadonlyArray<Ev>,
  options: SaveOptions = {}
): Effect.Effect<Saved<S, Ev>, E | SaveError | EventDecodeError, R | EventStore> => {
  const attempt = Effect.flatMap(load(aggregate, id), (loaded) =>
    decideAndSave(aggregate, loaded, decide, options)
  )
  // The retry schedule is set up only when a writer lost: the first attempt runs bare. The retries
  // are the schedule's over an effect that fails with that first error once, then attempts again.
  const retried = Effect.catchIf(attempt, isConcurrencyError, (first) =>
    Effect.withFiber((fiber) => {
      const config = fiber.getRef(EventSourcingConfig)
      let failedOnce = false
      const again = Effect.suspend(() => {
        if (failedOnce) return attempt
        failedOnce = true
        return Effect.fail(first)
      })
      return Effect.retry(again, {
        while: isConcurrencyError,
        schedule: retrySchedule(config),
        times: config.maxConcurrencyRetries
      })
    })
  )
  // Spans on every command's path: none under the native tracer, no stack trace otherwise.
  return retried.pipe(
    withSpan("Repository.handle", { attributes: { "cello.aggregate": aggregate.name, "cello.id": id } })
  )
}

/**
 * Runs a command on an aggregate expected to be new (an id the caller just made): decides on the
 * initial state without reading the stream, and appends expecting no stream. If the stream exists
 * after all, that append is refused and the command runs as `handle` does (load, decide again, with
 * its retries), so the outcome is `handle`'s; a new aggregate just costs no read.
 */
export const create = <S, Ev extends Tagged, E = never, R = never>(
  aggregate: Aggregate.Aggregate<S, Ev>,
  id: string,
  decide: (state: S, loaded: Loaded<S>) => Effect.Effect<ReadonlyArray<Ev>, E, R> | ReadonlyArray<Ev>,
  options: SaveOptions = {}
): Effect.Effect<Saved<S, Ev>, E | SaveError | EventDecodeError, R | EventStore> => {
  const optimistic = Effect.suspend(() =>
    decideAndSave(
      aggregate,
      { id, streamId: aggregate.streamId(id), state: aggregate.initialState, version: 0 },
      decide,
      options
    )
  )
  return optimistic.pipe(
    Effect.catchIf(isConcurrencyError, () => handle(aggregate, id, decide, options)),
    withSpan("Repository.create", { attributes: { "cello.aggregate": aggregate.name, "cello.id": id } })
  )
}
