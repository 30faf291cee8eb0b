/**
 * Redis stopped (SIGKILL) and restarted while events keep arriving: an async projection with its read
 * model and checkpoint in Redis loses no update and applies none twice. Once on a Redis that keeps
 * its data (append-only file, fsync per write), once on one that comes back empty, where checkpoint
 * and read model are gone together and the projection rebuilds from the start of the log.
 * The Redis here is a server of this test's own, so the shared one is never stopped.
 */
import { EventStore, ProjectionRunner } from "@cello/eventsourcing"
import { MemoryStore } from "@cello/store-memory"
import { type RedisServer, startRedisServer } from "@cello/tooling/redis"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option, Schedule } from "effect"
import { RedisCheckpointStore, RedisClient, RedisReadModelStore } from "../src/index.js"
import { balances } from "./balances.js"

const { model: Balances, projection } = balances("restart-balances")

const accounts = ["a", "b", "c", "d"]
const rounds = 150

/** Each writer credits its account 1, 2, 3, … one event per append, with a short pause between. */
const write = (account: string) =>
  Effect.forEach(
    Array.from({ length: rounds }, (_, i) => i + 1),
    (amount) =>
      EventStore.append(`acct-${account}`, [{ type: "Credited", data: { account, amount } }]).pipe(
        Effect.andThen(Effect.sleep("10 millis"))
      ),
    { discard: true }
  )

const expected = { balance: (rounds * (rounds + 1)) / 2, applied: rounds }

const underLoad = (server: RedisServer, comesBackEmpty: boolean) =>
  Effect.gen(function* () {
    const runner = yield* Effect.forkChild(
      ProjectionRunner.run(projection, { owner: "restart-test", leaseDuration: "2 seconds", batchSize: 20 })
    )
    const writers = yield* Effect.forkChild(Effect.forEach(accounts, write, { concurrency: "unbounded" }))
    yield* Effect.sleep("500 millis")
    yield* Effect.promise(() => server.kill())
    // While Redis is down, reads fail with the port's StoreUnavailable and events still append.
    const down = yield* Effect.exit(Balances.get("a"))
    assert.isTrue(Exit.isFailure(down))
    yield* Effect.sleep("700 millis")
    yield* Effect.promise(() => server.start({ empty: comesBackEmpty }))
    yield* Fiber.join(writers)
    const settled = yield* Effect.forEach(accounts, (account) => Balances.get(account)).pipe(
      Effect.retry(Schedule.spaced("100 millis")),
      Effect.repeat({
        until: (found) => found.every((b) => Option.isSome(b) && b.value.applied >= rounds),
        schedule: Schedule.spaced("100 millis")
      }),
      Effect.timeout("60 seconds")
    )
    for (const found of settled) assert.deepStrictEqual(found, Option.some(expected))
    yield* Fiber.interrupt(runner)
  })

const onOwnRedis = (comesBackEmpty: boolean) =>
  Effect.acquireUseRelease(
    Effect.promise(() => startRedisServer()),
    (server) =>
      underLoad(server, comesBackEmpty).pipe(
        Effect.provide(
          Layer.mergeAll(
            MemoryStore.layer,
            Layer.mergeAll(RedisReadModelStore.layer, RedisCheckpointStore.layer).pipe(
              Layer.provideMerge(RedisClient.layer({ url: server.url, keyPrefix: "restart:" }))
            )
          )
        )
      ),
    (server) => Effect.promise(() => server.dispose())
  )

describe("Redis restarted under load", () => {
  it.live(
    "with its data kept: every event applied to the read model exactly once",
    () => onOwnRedis(false),
    90_000
  )

  it.live(
    "come back empty: the projection rebuilds, every event applied exactly once",
    () => onOwnRedis(true),
    90_000
  )
})
