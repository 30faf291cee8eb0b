/**
 * The event store in memory, with the semantics of the SQL stores: expected versions checked, appends
 * all-or-nothing (inline projections included), payloads stored as JSON copies, a global order, and
 * live subscriptions woken on every commit. Appends are serialized by one permit; reads are lock-free
 * because a commit publishes its events in one synchronous step.
 */
import {
  Append,
  type AppendResult,
  Checkpoint,
  ConcurrencyError,
  type EventEnvelope,
  type EventMetadata,
  EventStore,
  ExpectedVersion,
  InvalidAppendError,
  type NewEvent,
  type StoreUnavailable,
  StreamNotFound,
  Subscription
} from "@cello/eventsourcing"
import { Clock, DateTime, Effect, type Fiber, Layer, Semaphore } from "effect"

const deepFreeze = <A>(value: A): A => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

// The text was produced by `Append.prepare` from an `EventMetadata` value, so it parses back to one.
const parseMetadata = (json: string): EventMetadata => JSON.parse(json)

/** First index in `sorted` whose checkpoint is after `from`. */
const firstAfter = (sorted: ReadonlyArray<EventEnvelope>, from: Checkpoint.Checkpoint): number => {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const item = sorted[mid]
    if (item !== undefined && Checkpoint.isAfter(item.checkpoint, from)) hi = mid
    else lo = mid + 1
  }
  return lo
}

const pageSize = 500

/**
 * The answer for a stream with no events, which is the first read of every new aggregate. It has no
 * stack trace: a map lookup has no stack worth keeping, and capturing one cost about a tenth of a
 * `Repository.handle` on a new aggregate.
 */
const streamNotFound = (streamId: string): StreamNotFound => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return new StreamNotFound({ streamId })
  } finally {
    Error.stackTraceLimit = limit
  }
}

const alreadyStored = (streamId: string, eventId: string) =>
  new InvalidAppendError({
    streamId,
    reason: `event id ${eventId} is already stored, in another stream or at other versions`
  })

export const make: Effect.Effect<EventStore.EventStoreShape> = Effect.gen(function* () {
  const all: Array<EventEnvelope> = []
  const streams = new Map<string, Array<EventEnvelope>>()
  const eventIds = new Set<string>()
  let transaction = 0n
  const permit = yield* Semaphore.make(1)
  const signal = yield* Subscription.makeSignal

  const streamVersion = (streamId: string): number => streams.get(streamId)?.length ?? 0

  /** The stored events of a re-sent append, a refusal if its first id is stored elsewhere, or nothing. */
  const storedAgain = (
    streamId: string,
    prepared: ReadonlyArray<Append.PreparedEvent>
  ):
    | { readonly _tag: "Stored"; readonly events: ReadonlyArray<EventEnvelope> }
    | InvalidAppendError
    | undefined => {
    const first = prepared[0]
    if (first === undefined || !eventIds.has(first.eventId)) return undefined
    const stream = streams.get(streamId) ?? []
    const at = stream.findIndex((e) => e.eventId === first.eventId)
    const stored = at < 0 ? [] : stream.slice(at, at + prepared.length)
    return stored.length === prepared.length && stored.every((e, i) => e.eventId === prepared[i]?.eventId)
      ? { _tag: "Stored", events: stored }
      : alreadyStored(streamId, first.eventId)
  }

  const readAllSync = (from: Checkpoint.Checkpoint, limit: number): ReadonlyArray<EventEnvelope> => {
    const start = firstAfter(all, from)
    return all.slice(start, start + Math.max(0, limit))
  }

  const readStreamAfter = (streamId: string, after: number, limit: number): ReadonlyArray<EventEnvelope> =>
    (streams.get(streamId) ?? []).slice(after, after + limit)

  /**
   * An append once checked and serialized: plain code up to the inline projections and the commit,
   * without `Effect.gen` (a generator per append costs about a microsecond and a new V8 map).
   */
  const appendPrepared = <E, R>(
    fiber: Fiber.Fiber<unknown, unknown>,
    streamId: string,
    prepared: ReadonlyArray<Append.PreparedEvent>,
    options: EventStore.AppendOptions<E, R>
  ): Effect.Effect<AppendResult, ConcurrencyError | InvalidAppendError | E, R> => {
    const expected = options.expectedVersion ?? "any"
    const actual = streamVersion(streamId)
    // A re-sent append (same ids, this stream, same versions) answers what it stored the first time.
    const resent = storedAgain(streamId, prepared)
    if (resent !== undefined) {
      if (resent instanceof InvalidAppendError) return Effect.fail(resent)
      return Effect.succeed({
        streamId,
        nextExpectedVersion: actual,
        events: resent.events,
        checkpoint: resent.events.at(-1)?.checkpoint
      })
    }
    if (!ExpectedVersion.matches(expected, actual))
      return Effect.fail(new ConcurrencyError({ streamId, expected, actual }))
    if (prepared.length === 0)
      return Effect.succeed({ streamId, nextExpectedVersion: actual, events: [], checkpoint: undefined })
    const taken = prepared.find((e) => eventIds.has(e.eventId))
    if (taken !== undefined) return Effect.fail(alreadyStored(streamId, taken.eventId))
    const timestamp = DateTime.makeUnsafe(fiber.getRef(Clock.Clock).currentTimeMillisUnsafe())
    const tx = transaction + 1n
    const base = all.length
    const envelopes = prepared.map(
      (event, i): EventEnvelope =>
        deepFreeze({
          eventId: event.eventId,
          streamId,
          type: event.type,
          schemaVersion: event.schemaVersion,
          streamVersion: actual + i + 1,
          position: base + i + 1,
          checkpoint: Checkpoint.make(tx, BigInt(base + i + 1)),
          timestamp,
          data: JSON.parse(event.dataJson),
          metadata: parseMetadata(event.metadataJson)
        })
    )
    // Commit: one synchronous step, so no reader sees part of an append.
    const commit = Effect.flatMap(
      Effect.sync((): AppendResult => {
        transaction = tx
        all.push(...envelopes)
        for (const e of envelopes) eventIds.add(e.eventId)
        const stream = streams.get(streamId)
        if (stream === undefined) streams.set(streamId, [...envelopes])
        else stream.push(...envelopes)
        return {
          streamId,
          nextExpectedVersion: actual + envelopes.length,
          events: envelopes,
          checkpoint: envelopes.at(-1)?.checkpoint
        }
      }),
      (result) => Effect.as(signal.notify, result)
    )
    return options.inline === undefined ? commit : Effect.andThen(options.inline(envelopes), commit)
  }

  const append = <E, R>(
    streamId: string,
    events: ReadonlyArray<NewEvent>,
    options: EventStore.AppendOptions<E, R> = {}
  ): Effect.Effect<AppendResult, ConcurrencyError | InvalidAppendError | StoreUnavailable | E, R> =>
    permit.withPermit(
      Effect.withFiber((fiber) =>
        Effect.flatMap(Append.prepare(streamId, events, options), (prepared) =>
          appendPrepared(fiber, streamId, prepared, options)
        )
      )
    )

  const readStream: EventStore.EventStoreShape["readStream"] = (streamId, options = {}) =>
    Effect.suspend(() => {
      const stream = streams.get(streamId)
      if (stream === undefined) return Effect.fail(streamNotFound(streamId))
      const limit = options.limit ?? Number.MAX_SAFE_INTEGER
      if (options.direction === "backwards") {
        const from = Math.min(options.from ?? stream.length, stream.length)
        return Effect.succeed(stream.slice(Math.max(0, from - limit), Math.max(0, from)).reverse())
      }
      const from = Math.max(1, options.from ?? 1)
      return Effect.succeed(stream.slice(from - 1, from - 1 + Math.max(0, limit)))
    })

  return EventStore.make({
    append,
    readStream,
    // The stored envelopes are already what a load reads: no copy, no StreamNotFound to catch.
    readStreamPayloads: (streamId, from) =>
      Effect.sync(() => (streams.get(streamId) ?? []).slice(Math.max(0, from - 1))),
    readAll: (options = {}) =>
      Effect.sync(() =>
        readAllSync(options.from ?? Checkpoint.start, options.limit ?? Number.MAX_SAFE_INTEGER)
      ),
    ...Subscription.follow({
      readAll: (after) => Effect.sync(() => readAllSync(after, pageSize)),
      readStream: (streamId, after) => Effect.sync(() => readStreamAfter(streamId, after, pageSize)),
      signal
    }),
    streamVersion: (streamId) => Effect.sync(() => streamVersion(streamId)),
    head: Effect.sync(() => all.at(-1)?.checkpoint ?? Checkpoint.start)
  })
})

/** A fresh, empty in-memory event store. */
export const layer: Layer.Layer<EventStore.EventStore> = Layer.effect(EventStore.EventStore, make)
