/**
 * Redis goes away and comes back: operations fail with StoreUnavailable naming host and port (never
 * the password), the snapshot cache steps aside, and the client recovers by itself. A TCP proxy we
 * control stands between the client and Redis, so "Redis is down" is real, not mocked, and the
 * shared Redis other tests use is never stopped.
 */
import { IdempotencyStore, ReadModelStore } from "@cello/cqrs"
import { SnapshotStore } from "@cello/eventsourcing"
import { MemorySnapshotStore } from "@cello/store-memory"
import { startTcpProxy } from "@cello/tooling/net"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Schedule } from "effect"
import { RedisClient, RedisIdempotencyStore, RedisReadModelStore, RedisSnapshotCache } from "../src/index.js"
import { dropKeys, freshPrefix, url } from "./testRedis.js"

const target = new URL(url)

/** A proxy to Redis that can be cut (closing every connection and refusing new ones) and restored. */
const makeProxy = Effect.acquireRelease(
  Effect.promise(() => startTcpProxy(target.hostname, Number(target.port || 6379))),
  (proxy) => Effect.promise(() => proxy.cut())
)

describe("Redis unavailable", () => {
  it.live("cut: StoreUnavailable naming host:port, not the password; restored: the client recovers", () =>
    Effect.gen(function* () {
      const proxy = yield* makeProxy
      // Redis 6+ accepts any password for a user without one (`default` here): it must still never show.
      const proxied = `redis://default:s3cret-pw@127.0.0.1:${proxy.port}`
      const context = yield* Layer.build(
        Layer.mergeAll(
          RedisReadModelStore.layer,
          RedisIdempotencyStore.layer,
          RedisSnapshotCache.layer().pipe(Layer.provide(MemorySnapshotStore.layer))
        ).pipe(
          Layer.provideMerge(
            RedisClient.layer({
              url: proxied,
              keyPrefix: freshPrefix("unavailable"),
              commandTimeout: "2 seconds"
            })
          )
        )
      )
      yield* Effect.addFinalizer(() => Effect.ignore(Effect.provideContext(dropKeys, context)))
      const readModels = Context.get(context, ReadModelStore.ReadModelStore)
      const keys = Context.get(context, IdempotencyStore.IdempotencyStore)
      const snapshots = Context.get(context, SnapshotStore.SnapshotStore)
      yield* readModels.put("accounts", "a-1", { balance: 10 })
      yield* snapshots.save({ streamId: "acc-1", streamVersion: 5, stateVersion: 1, state: { balance: 10 } })

      yield* Effect.promise(() => proxy.cut())
      const failures = [
        yield* Effect.flip(readModels.get("accounts", "a-1")),
        yield* Effect.flip(readModels.put("accounts", "a-2", { balance: 1 })),
        yield* Effect.flip(readModels.list("accounts")),
        yield* Effect.flip(keys.claim("k-1", "1 minute"))
      ]
      for (const error of failures) {
        assert.strictEqual(error._tag, "StoreUnavailable")
        assert.include(error.message, `redis unavailable during`)
        assert.include(error.message, `127.0.0.1:${proxy.port}`)
        assert.notInclude(error.message, "s3cret-pw")
      }
      // The snapshot cache steps aside: the store behind still answers.
      const loaded = yield* snapshots.load("acc-1")
      assert.strictEqual(Option.getOrUndefined(Option.map(loaded, (s) => s.streamVersion)), 5)

      yield* Effect.promise(() => proxy.restore())
      const recovered = yield* readModels
        .get("accounts", "a-1")
        .pipe(Effect.retry({ times: 40, schedule: Schedule.spaced("250 millis") }))
      assert.deepStrictEqual(recovered, Option.some({ balance: 10 }))
      // Nothing was written while Redis was away.
      assert.isTrue(Option.isNone(yield* readModels.get("accounts", "a-2")))
      assert.deepStrictEqual(yield* keys.claim("k-1", "1 minute"), { _tag: "Claimed" })
    }).pipe(Effect.scoped)
  )

  it.live("a server that is not there: the layer starts, each operation fails with StoreUnavailable", () =>
    Effect.gen(function* () {
      const context = yield* Layer.build(
        RedisReadModelStore.layer.pipe(
          Layer.provide(
            RedisClient.layer({ url: "redis://ann:hunter2@127.0.0.1:1", connectTimeout: "1 second" })
          )
        )
      )
      const error = yield* Effect.flip(Context.get(context, ReadModelStore.ReadModelStore).count("accounts"))
      assert.strictEqual(error._tag, "StoreUnavailable")
      assert.include(error.message, "127.0.0.1:1")
      assert.notInclude(error.message, "hunter2")
      assert.notInclude(error.message, "ann")
    }).pipe(Effect.scoped)
  )
})
