import { randomUUID } from "node:crypto"
import { SnapshotStore } from "@cello/eventsourcing"
import { snapshotStoreSuite } from "@cello/eventsourcing/testing"
import { MemorySnapshotStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Context, type Duration, Effect, Layer, Option, Ref } from "effect"
import { RedisSnapshotCache } from "../src/index.js"
import { clientLayer } from "./testRedis.js"

snapshotStoreSuite(
  "redis cache over memory",
  RedisSnapshotCache.layer().pipe(
    Layer.provide(MemorySnapshotStore.layer),
    Layer.provide(clientLayer("snapshots"))
  )
)

/** The memory snapshot store, counting the loads that reach it. */
const countingStore = (loads: Ref.Ref<number>) =>
  Layer.effect(
    SnapshotStore.SnapshotStore,
    Effect.map(MemorySnapshotStore.make, (store) => ({
      ...store,
      load: (streamId: string) =>
        Effect.andThen(
          Ref.update(loads, (n) => n + 1),
          store.load(streamId)
        )
    }))
  )

/** The store behind (counting its loads), and two app instances caching it in one Redis. */
const setup = (ttl: Duration.Input) =>
  Effect.gen(function* () {
    const loads = yield* Ref.make(0)
    const behind = yield* Layer.build(countingStore(loads))
    const redis = yield* Layer.build(clientLayer("snapshot-cache"))
    const instance = Layer.build(
      RedisSnapshotCache.layer({ ttl }).pipe(
        Layer.provide(Layer.succeedContext(behind)),
        Layer.provide(Layer.succeedContext(redis))
      )
    ).pipe(Effect.map((context) => Context.get(context, SnapshotStore.SnapshotStore)))
    return {
      loads: Ref.get(loads),
      store: Context.get(behind, SnapshotStore.SnapshotStore),
      a: yield* instance,
      b: yield* instance
    }
  })

const versionOf = (loaded: Option.Option<SnapshotStore.Snapshot>) =>
  Option.getOrUndefined(Option.map(loaded, (s) => [s.streamVersion, s.state]))

describe("RedisSnapshotCache", () => {
  it.live("a hit never reaches the store; a newer save replaces the entry for every instance", () =>
    Effect.gen(function* () {
      const { loads, a, b } = yield* setup("1 minute")
      const streamId = `account-${randomUUID()}`
      yield* a.save({ streamId, streamVersion: 100, stateVersion: 1, state: { balance: 100 } })
      // Written through: both instances hit the cache, the store behind is never asked.
      assert.deepStrictEqual(versionOf(yield* a.load(streamId)), [100, { balance: 100 }])
      assert.deepStrictEqual(versionOf(yield* b.load(streamId)), [100, { balance: 100 }])
      assert.strictEqual(yield* loads, 0)
      yield* b.save({ streamId, streamVersion: 200, stateVersion: 1, state: { balance: 200 } })
      assert.deepStrictEqual(versionOf(yield* a.load(streamId)), [200, { balance: 200 }])
      // An older save changes neither the store nor the cache.
      yield* a.save({ streamId, streamVersion: 150, stateVersion: 1, state: { balance: 150 } })
      assert.deepStrictEqual(versionOf(yield* b.load(streamId)), [200, { balance: 200 }])
      assert.strictEqual(yield* loads, 0)
    }).pipe(Effect.scoped)
  )

  it.live("a miss reads through the store once; an expired entry is read through again", () =>
    Effect.gen(function* () {
      const { loads, store, a, b } = yield* setup("300 millis")
      const streamId = `account-${randomUUID()}`
      assert.isTrue(Option.isNone(yield* a.load(streamId)))
      assert.strictEqual(yield* loads, 1)
      // Saved behind the cache's back (another service), then read through and cached.
      yield* store.save({ streamId, streamVersion: 7, stateVersion: 1, state: { n: 7 } })
      assert.deepStrictEqual(versionOf(yield* a.load(streamId)), [7, { n: 7 }])
      assert.strictEqual(yield* loads, 2)
      assert.deepStrictEqual(versionOf(yield* b.load(streamId)), [7, { n: 7 }])
      assert.strictEqual(yield* loads, 2)
      yield* Effect.sleep("600 millis")
      assert.deepStrictEqual(versionOf(yield* b.load(streamId)), [7, { n: 7 }])
      assert.strictEqual(yield* loads, 3)
    }).pipe(Effect.scoped)
  )

  it.live("delete removes the entry and the snapshot", () =>
    Effect.gen(function* () {
      const { store, a, b } = yield* setup("1 minute")
      const streamId = `account-${randomUUID()}`
      yield* a.save({ streamId, streamVersion: 3, stateVersion: 1, state: {} })
      yield* b.delete(streamId)
      assert.isTrue(Option.isNone(yield* a.load(streamId)))
      assert.isTrue(Option.isNone(yield* store.load(streamId)))
    }).pipe(Effect.scoped)
  )
})
