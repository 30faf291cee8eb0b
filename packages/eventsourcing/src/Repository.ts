/**
 * Loading and saving aggregates: load = newest usable snapshot + the events after it, upcast and
 * folded; save = append with the loaded version as expected version, inline projections in the same
 * append, then a snapshot when one is due. `handle` runs load → decide → save and retries on
 * `ConcurrencyError` with backoff; `create` skips the load for an aggregate expected to be new.
 */
import { Cause, Duration, Effect, Metric, Option, Result, Schedule, Tracer } from "effect"
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

const maybeSnapshot = <S, Ev extends Tagged>(
  aggregate: Aggregate.Aggregate<S, Ev>,
  streamId: string,
  before: number,
  after: number,
  state: S
): Effect.Effect<void> =>
  Effect.gen(function* () {
    const { snapshotInterval } = yield* EventSourcingConfig
    const codec = Option.getOrUndefined(aggregate.snapshot)
    const store = Option.getOrUndefined(yield* Effect.serviceOption(SnapshotStore))
    if (snapshotInterval <= 0 || codec === undefined || store === undefined) return
    if (Math.floor(after / snapshotInterval) === Math.floor(before / snapshotInterval)) return
    const encoded = yield* codec.encode(state)
    yield* store.save({ streamId, streamVersion: after, stateVersion: codec.version, state: encoded })
    yield* Metric.update(Metrics.snapshotsCreated, 1)
  }).pipe(
    // The events are committed: a failed snapshot (even a defect) must not fail the command, whose
    // caller would retry it; it only costs a longer replay next time.
    Effect.catchCause((cause) =>
      Effect.logWarning("snapshot not saved", { streamId, cause: Cause.pretty(cause) })
    )
  )

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
  Effect.gen(function* () {
    const store = yield* EventStore
    const projections = yield* Projection.InlineProjections
    // A span per inline projection only when spans go somewhere: none on the untraced hot path.
    const traced = projections.length > 0 && (yield* Tracer.Tracer) !== Tracer.nativeTracer
    const encoded: Array<NewEvent> = []
    for (const event of events) encoded.push(yield* aggregate.events.encode(loaded.streamId, event))
    const result: AppendResult = yield* store.append(loaded.streamId, encoded, {
      expectedVersion: loaded.version === 0 ? "no_stream" : loaded.version,
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      ...(projections.length === 0
        ? {}
        : { inline: (envelopes) => Projection.applyAll(projections, envelopes, traced) })
    })
    const state = Aggregate.fold(aggregate, loaded.state, events)
    yield* maybeSnapshot(aggregate, loaded.streamId, loaded.version, result.nextExpectedVersion, state)
    return {
      id: loaded.id,
      streamId: loaded.streamId,
      state,
      version: result.nextExpectedVersion,
      events,
      envelopes: result.events
    }
  }).pipe(withSpan("Repository.save", { attributes: { "cello.aggregate": aggregate.name } }))

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
): Effect.Effect<Saved<S, Ev>, E | SaveError | EventDecodeError, R | EventStore> =>
  Effect.gen(function* () {
    const config = yield* EventSourcingConfig
    const attempt = Effect.gen(function* () {
      const loaded = yield* load(aggregate, id)
      const decided = decide(loaded.state, loaded)
      const events = Effect.isEffect(decided) ? yield* decided : decided
      if (events.length === 0) return { ...loaded, events, envelopes: [] }
      return yield* save(aggregate, loaded, events, options)
    })
    return yield* Effect.retry(attempt, {
      while: isConcurrencyError,
      schedule: retrySchedule(config),
      times: config.maxConcurrencyRetries
    })
  }).pipe(
    // Spans on every command's path: none under the native tracer, no stack trace otherwise.
    withSpan("Repository.handle", { attributes: { "cello.aggregate": aggregate.name, "cello.id": id } })
  )

const isConcurrencyError = (error: unknown): error is ConcurrencyError =>
  typeof error === "object" && error !== null && "_tag" in error && error._tag === "ConcurrencyError"

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
  const optimistic = Effect.suspend(() => {
    const fresh: Loaded<S> = {
      id,
      streamId: aggregate.streamId(id),
      state: aggregate.initialState,
      version: 0
    }
    const decided = decide(fresh.state, fresh)
    const saveDecided = (events: ReadonlyArray<Ev>) =>
      events.length === 0
        ? Effect.succeed<Saved<S, Ev>>({ ...fresh, events, envelopes: [] })
        : save(aggregate, fresh, events, options)
    return Effect.isEffect(decided) ? Effect.flatMap(decided, saveDecided) : saveDecided(decided)
  })
  return optimistic.pipe(
    Effect.catchIf(isConcurrencyError, () => handle(aggregate, id, decide, options)),
    withSpan("Repository.create", { attributes: { "cello.aggregate": aggregate.name, "cello.id": id } })
  )
}
