/**
 * The EventStore port on PostgreSQL. Live subscriptions are woken by LISTEN/NOTIFY (one listening
 * connection per store) and poll as a fallback, so a lost notification only costs latency. With a
 * `Wakeup` service in context (for instance Redis pub/sub), that wakes them instead of LISTEN/NOTIFY.
 */
import { Append, EventStore, Subscription, Wakeup } from "@cello/eventsourcing"
import { Duration, Effect, Latch, Layer, Option, Queue, Schedule, type Scope, Stream } from "effect"
import { appendToStream } from "./appendToStream.js"
import { envelopeColumns, toEnvelopes } from "./internal/envelope.js"
import { eventsourcingUnavailable } from "./internal/eventsourcingUnavailable.js"
import { sampleHeldBack } from "./internal/heldBack.js"
import { PgDatabase, type PgDatabaseShape } from "./PgDatabase.js"
import { head, readAll, readAllAfter, streamVersion } from "./readAll.js"
import { readStream } from "./readStream.js"
import { readStreamPayloads } from "./readStreamPayloads.js"

const pageSize = 500

/** A Duration, not the text "10 millis": `Effect.sleep` would parse text on every NOTIFY. */
const notifyInterval = Duration.millis(10)

/** Feeds a signal from the append channel; if the listener drops, it reconnects (polling covers the gap). */
const listen = (database: PgDatabaseShape, signal: Subscription.Signal) =>
  Effect.scoped(
    Effect.gen(function* () {
      const notifications = yield* database.pg.listen(database.channel)
      yield* signal.notify // anything appended while we were not listening
      yield* Queue.take(notifications).pipe(Effect.andThen(signal.notify), Effect.forever)
    })
  ).pipe(
    Effect.tapCause((cause) => Effect.logDebug("cello: LISTEN connection lost; retrying", cause)),
    Effect.retry(Schedule.spaced("1 second")),
    Effect.ignore
  )

export const make: Effect.Effect<EventStore.EventStoreShape, never, PgDatabase | Scope.Scope> = Effect.gen(
  function* () {
    const database = yield* PgDatabase
    const wakeup = yield* Effect.serviceOption(Wakeup.Wakeup)
    const signal = yield* Subscription.makeSignal
    let listening = false
    // The listener starts with the first subscription, and lives as long as the store's layer.
    const scope = yield* Effect.scope
    const ensureListening = Effect.suspend(() => {
      if (listening || (Option.isNone(wakeup) && !database.config.listen)) return Effect.void
      listening = true
      const follow = Option.isSome(wakeup)
        ? Stream.runForEach(wakeup.value.hints, () => signal.notify)
        : listen(database, signal)
      return Effect.asVoid(Effect.forkIn(follow, scope))
    })
    const pollInterval = database.config.pollInterval

    // Other processes are woken by a NOTIFY sent after commit, coalesced: while one is in flight, any
    // number of appends add at most one more. Subscribers in this process are woken at once.
    // A latch rather than a queue: an append while it is open (most of them, under load) only reads a flag.
    const pending = Latch.makeUnsafe(false)
    if (Option.isNone(wakeup))
      yield* pending.await.pipe(
        Effect.andThen(pending.close),
        Effect.andThen(database.pg.notify(database.channel, "")),
        // At most one NOTIFY per 10 ms: each is a commit of its own, competing with appends for the WAL.
        Effect.andThen(Effect.sleep(notifyInterval)),
        Effect.catchCause((cause) => Effect.logDebug("cello: NOTIFY failed; subscribers will poll", cause)),
        Effect.forever,
        Effect.forkIn(scope)
      )
    const onCommit = Effect.andThen(
      signal.notify,
      Option.isSome(wakeup) ? wakeup.value.notify : Effect.asVoid(pending.open)
    )

    const readPage = readAllAfter(database)
    return EventStore.make({
      append: appendToStream(database, onCommit),
      readStream: readStream(database),
      readStreamPayloads: readStreamPayloads(database),
      readAll: readAll(database),
      ...Subscription.follow({
        readAll: (after) =>
          Effect.tap(readPage(after, pageSize), (page) =>
            page.length === 0 ? sampleHeldBack(database) : Effect.void
          ),
        readStream: (streamId, after) =>
          !Append.isStorableStreamId(streamId)
            ? Effect.succeed([])
            : database
                .run(
                  database.db
                    .selectFrom("events")
                    .select(envelopeColumns)
                    .where("stream_id", "=", streamId)
                    .where("stream_version", ">", BigInt(after))
                    .orderBy("events.stream_version")
                    .limit(pageSize)
                )
                .pipe(
                  Effect.map(toEnvelopes),
                  Effect.mapError(eventsourcingUnavailable(database, "subscribeStream"))
                ),
        signal,
        pollInterval,
        onSubscribe: ensureListening
      }),
      streamVersion: streamVersion(database),
      head: head(database)
    })
  }
)

/** The event store over the `PgDatabase` in context. */
export const layer: Layer.Layer<EventStore.EventStore, never, PgDatabase> = Layer.effect(
  EventStore.EventStore,
  make
)
