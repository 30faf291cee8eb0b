/**
 * The EventStore port on MySQL/MariaDB. MySQL has no LISTEN/NOTIFY: live subscriptions in this
 * process are woken at once by every append here, subscribers elsewhere poll (`pollInterval`, 200 ms
 * by default); with a `Wakeup` service in context (for instance Redis pub/sub), every process is
 * woken by it too.
 */
import { Append, EventStore, Subscription, Wakeup } from "@cello/eventsourcing"
import { Effect, Layer, Option, type Scope, Stream } from "effect"
import { appendToStream } from "./appendToStream.js"
import { streamEnvelopeColumns, toStreamEnvelopes } from "./internal/envelope.js"
import { MysqlDatabase } from "./MysqlDatabase.js"
import { head, readAll, readAllAfter, streamVersion } from "./readAll.js"
import { readStream } from "./readStream.js"
import { readStreamPayloads } from "./readStreamPayloads.js"

const pageSize = 500

export const make: Effect.Effect<EventStore.EventStoreShape, never, MysqlDatabase | Scope.Scope> = Effect.gen(
  function* () {
    const database = yield* MysqlDatabase
    const wakeup = yield* Effect.serviceOption(Wakeup.Wakeup)
    const signal = yield* Subscription.makeSignal
    const scope = yield* Effect.scope
    let following = false
    // Hints from other processes, from the first subscription on, as long as the store's layer lives.
    const ensureFollowing = Effect.suspend(() => {
      if (following || Option.isNone(wakeup)) return Effect.void
      following = true
      return Effect.asVoid(
        Effect.forkIn(
          Stream.runForEach(wakeup.value.hints, () => signal.notify),
          scope
        )
      )
    })
    const onCommit = Option.isSome(wakeup)
      ? Effect.andThen(signal.notify, wakeup.value.notify)
      : signal.notify
    const pollInterval = database.config.pollInterval

    return EventStore.make({
      append: appendToStream(database, onCommit),
      readStream: readStream(database),
      readStreamPayloads: readStreamPayloads(database),
      readAll: readAll(database),
      ...Subscription.follow({
        readAll: (after) => readAllAfter(database, after, pageSize),
        readStream: (streamId, after) =>
          !Append.isStorableStreamId(streamId)
            ? Effect.succeed([])
            : database
                .runValues(
                  database.db
                    .selectFrom("events")
                    .select(streamEnvelopeColumns)
                    .where("stream_id", "=", streamId)
                    .where("stream_version", ">", String(after))
                    .orderBy("stream_version")
                    .limit(pageSize)
                )
                .pipe(
                  Effect.map((rows) => toStreamEnvelopes(streamId, rows)),
                  Effect.mapError(database.unavailable("subscribeStream"))
                ),
        signal,
        pollInterval,
        onSubscribe: ensureFollowing
      }),
      streamVersion: streamVersion(database),
      head: head(database)
    })
  }
)

/** The event store over the `MysqlDatabase` in context. */
export const layer: Layer.Layer<EventStore.EventStore, never, MysqlDatabase> = Layer.effect(
  EventStore.EventStore,
  make
)
