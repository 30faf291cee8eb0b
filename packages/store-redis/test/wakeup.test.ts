/**
 * Two PostgreSQL event store instances (two pools, as two app processes have), each with its own
 * Redis connections: an append through one wakes a live subscription of the other through Redis
 * pub/sub. LISTEN/NOTIFY is off and the poll interval is 10 minutes, so only Redis can deliver in time.
 *
 * A reader woken while an older transaction anywhere on the server is still open cannot see the new
 * event yet (the store never reads past the oldest running transaction), and then waits for the next
 * hint. Tests of other files run such transactions, so the writer's instance also sends a bare hint
 * every 250 ms: every path to delivery still goes through Redis.
 */
import { randomUUID } from "node:crypto"
import { Checkpoint, EventStore, Wakeup } from "@cello/eventsourcing"
import { PgStore } from "@cello/store-postgres"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, type Duration, Effect, Fiber, Layer, Option, Schedule, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { RedisClient, RedisWakeup } from "../src/index.js"
import { freshPrefix, url as redisUrl } from "./testRedis.js"

const databaseUrl = process.env.CELLO_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

const instance = (schema: string, keyPrefix: string) =>
  Layer.build(
    PgStore.layer({ url: databaseUrl, schema, poolSize: 2, listen: false, pollInterval: "10 minutes" }).pipe(
      Layer.provideMerge(RedisWakeup.layer()),
      Layer.provide(RedisClient.layer({ url: redisUrl, keyPrefix }))
    )
  ).pipe(
    Effect.map((context) => ({
      store: Context.get(context, EventStore.EventStore),
      wakeup: Context.get(context, Wakeup.Wakeup),
      sql: Context.get(context, SqlClient.SqlClient)
    }))
  )

describe("RedisWakeup", () => {
  it.live("an append through one instance wakes another's subscription through Redis pub/sub", () =>
    Effect.gen(function* () {
      const schema = `cello_test_redis_wakeup_${randomUUID().replaceAll("-", "")}`
      const keyPrefix = freshPrefix("wakeup")
      const reader = yield* instance(schema, keyPrefix)
      const writer = yield* instance(schema, keyPrefix)
      yield* Effect.addFinalizer(() =>
        Effect.ignore(reader.sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
      )
      const first = yield* Deferred.make<void>()
      const subscription = yield* reader.store.subscribeAll({ from: Checkpoint.start }).pipe(
        Stream.tap(() => Deferred.succeed(first, undefined)),
        Stream.take(2),
        Stream.map((e) => e.type),
        Stream.runCollect,
        Effect.forkScoped
      )
      yield* writer.wakeup.notify.pipe(Effect.repeat(Schedule.spaced("250 millis")), Effect.forkScoped)
      yield* reader.store.append("s-1", [{ type: "ByReader", data: {} }])
      yield* Deferred.await(first)
      // Let the subscription park on its wait (it re-reads at once after a delivery).
      yield* Effect.sleep("200 millis")
      yield* writer.store.append("s-2", [{ type: "ByWriter", data: {} }])
      const delivered = yield* Fiber.join(subscription).pipe(Effect.timeoutOption("20 seconds"))
      assert.deepStrictEqual(Option.getOrUndefined(delivered), ["ByReader", "ByWriter"])
    }).pipe(Effect.scoped)
  )

  it.live("a notify through one connection reaches the hints of every other on the prefix", () =>
    Effect.gen(function* () {
      const keyPrefix = freshPrefix("wakeup-hints")
      const wakeup = Layer.build(
        RedisWakeup.layer().pipe(Layer.provide(RedisClient.layer({ url: redisUrl, keyPrefix })))
      ).pipe(Effect.map((context) => Context.get(context, Wakeup.Wakeup)))
      const [a, b, c] = [yield* wakeup, yield* wakeup, yield* wakeup]
      const other = Layer.build(
        RedisWakeup.layer().pipe(
          Layer.provide(RedisClient.layer({ url: redisUrl, keyPrefix: freshPrefix("x") }))
        )
      ).pipe(Effect.map((context) => Context.get(context, Wakeup.Wakeup)))
      const elsewhere = yield* other
      const heard = (w: Wakeup.WakeupShape, within: Duration.Input) =>
        w.hints.pipe(Stream.take(1), Stream.runDrain, Effect.timeoutOption(within), Effect.forkScoped)
      const toB = yield* heard(b, "10 seconds")
      const toC = yield* heard(c, "10 seconds")
      const toElsewhere = yield* heard(elsewhere, "1 second")
      yield* Effect.sleep("100 millis")
      yield* a.notify
      assert.isTrue(Option.isSome(yield* Fiber.join(toB)))
      assert.isTrue(Option.isSome(yield* Fiber.join(toC)))
      // Another prefix is another app: it hears nothing.
      assert.isTrue(Option.isNone(yield* Fiber.join(toElsewhere)))
    }).pipe(Effect.scoped)
  )
})
