/**
 * A Redis cache in front of any `SnapshotStore`: loads read through it (a hit never touches the store
 * behind), saves write through it, entries expire after a TTL. Several app instances share it.
 *
 * The cache never holds a snapshot newer than the store's: a save reaches the store first, and the
 * cached entry is replaced only by one of the same or a higher stream version. It may hold an older
 * one (a save the store refused while the entry had expired, a load racing a save) until the TTL
 * ends or a newer save replaces it; an older snapshot only costs replaying a few more events.
 *
 * When Redis is unavailable the cache steps aside (logged at warning level): loads and saves go to
 * the store behind, so a cache outage never makes aggregates unavailable. Deletes fail instead, with
 * `StoreUnavailable`: an entry left behind would bring a deleted snapshot back.
 */
import { SnapshotStore } from "@cello/eventsourcing"
import { DateTime, Duration, Effect, Layer, Option, Schema } from "effect"
import { eventSourcingUnavailable } from "./internal/eventSourcingUnavailable.js"
import * as Script from "./internal/script.js"
import { RedisClient } from "./RedisClient.js"
import type { RedisError } from "./RedisError.js"

export interface Options {
  /** How long an entry lives after it was written (default 10 minutes). */
  readonly ttl?: Duration.Input
}

/** KEYS: entry. ARGV: stream version, snapshot JSON, TTL ms. Writes unless a newer one is cached. */
const putIfNotOlder = Script.make(`
local cached = redis.call('HGET', KEYS[1], 'version')
if cached and tonumber(cached) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'snapshot', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`)

const Entry = Schema.fromJsonString(
  Schema.Struct({
    streamId: Schema.String,
    streamVersion: Schema.Number,
    stateVersion: Schema.Number,
    state: Schema.Unknown,
    takenAt: Schema.Number
  })
)

const encode = (snapshot: SnapshotStore.Snapshot): string =>
  JSON.stringify({
    streamId: snapshot.streamId,
    streamVersion: snapshot.streamVersion,
    stateVersion: snapshot.stateVersion,
    state: snapshot.state,
    takenAt: DateTime.toEpochMillis(snapshot.takenAt)
  })

/** The snapshot store in context, cached in Redis. */
export const make = (
  options: Options = {}
): Effect.Effect<SnapshotStore.SnapshotStoreShape, never, SnapshotStore.SnapshotStore | RedisClient> =>
  Effect.gen(function* () {
    const store = yield* SnapshotStore.SnapshotStore
    const client = yield* RedisClient
    const ttl = Math.max(
      1,
      Math.ceil(Duration.toMillis(Duration.fromInputUnsafe(options.ttl ?? "10 minutes")))
    )
    const keyOf = (streamId: string) => client.key("snap", streamId)

    const stepAside =
      <A>(fallback: A) =>
      (error: RedisError) =>
        Effect.as(Effect.logWarning(`cello: snapshot cache skipped: ${error.message}`), fallback)

    const cache = (snapshot: SnapshotStore.Snapshot): Effect.Effect<void> =>
      client
        .run("cacheSnapshot", (redis) =>
          putIfNotOlder.run(
            redis,
            [keyOf(snapshot.streamId)],
            [snapshot.streamVersion, encode(snapshot), ttl]
          )
        )
        .pipe(Effect.asVoid, Effect.catch(stepAside(undefined)))

    // An entry that does not decode (written by another version) counts as a miss.
    const cached = (streamId: string) =>
      client
        .run("loadSnapshot", (redis) => redis.hget(keyOf(streamId), "snapshot"))
        .pipe(
          Effect.catch(stepAside(null)),
          Effect.map((text) =>
            Option.flatMap(Option.fromNullishOr(text), (t) =>
              Option.map(Schema.decodeUnknownOption(Entry)(t), (e) => ({
                ...e,
                takenAt: DateTime.makeUnsafe(e.takenAt)
              }))
            )
          )
        )

    return {
      save: (snapshot) =>
        Effect.gen(function* () {
          yield* store.save(snapshot)
          yield* cache({ ...snapshot, takenAt: yield* DateTime.now })
        }),
      load: (streamId) =>
        Effect.gen(function* () {
          const hit = yield* cached(streamId)
          if (Option.isSome(hit)) return hit
          const loaded = yield* store.load(streamId)
          if (Option.isSome(loaded)) yield* cache(loaded.value)
          return loaded
        }),
      // Strict, unlike loads and saves: an entry that outlived its deleted snapshot would be served.
      delete: (streamId) =>
        Effect.andThen(
          client
            .run("deleteSnapshot", (redis) => redis.del(keyOf(streamId)))
            .pipe(Effect.asVoid, Effect.mapError(eventSourcingUnavailable)),
          store.delete(streamId)
        )
    }
  })

/** Replaces the `SnapshotStore` in context with the cached one. */
export const layer = (
  options: Options = {}
): Layer.Layer<SnapshotStore.SnapshotStore, never, SnapshotStore.SnapshotStore | RedisClient> =>
  Layer.effect(SnapshotStore.SnapshotStore, make(options))
