/**
 * Async projections with their read models and checkpoints in Redis (events in the memory store):
 * a page of read-model writes and its checkpoint commit together, so a failure mid-page leaves
 * neither half-applied, a runner whose lease was taken over writes nothing, and two runners competing
 * for one projection under concurrent appends apply every event exactly once.
 */
import { ReadModelStore } from "@cello/cqrs"
import { Checkpoint, CheckpointStore, EventStore, ProjectionRunner } from "@cello/eventsourcing"
import { MemoryStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option, Schedule } from "effect"
import { RedisCheckpointStore, RedisClient, RedisReadModelStore } from "../src/index.js"
import { balances } from "./balances.js"
import { clientLayer } from "./testRedis.js"

const redisPorts = (label: string) =>
  Layer.mergeAll(RedisReadModelStore.layer, RedisCheckpointStore.layer).pipe(
    Layer.provideMerge(clientLayer(label))
  )

// Redis's ports come last in the merge, so they replace the memory store's read models and checkpoints.
const testLayer = (label: string) => Layer.mergeAll(MemoryStore.layer, redisPorts(label))

const credit = (account: string, amounts: ReadonlyArray<number>) =>
  EventStore.append(
    `acct-${account}`,
    amounts.map((amount) => ({ type: "Credited", data: { account, amount } }))
  )

describe("RedisCheckpointStore with Redis read models", () => {
  it.live("a failure mid-page rolls back the page, then commits the events before the failing one", () =>
    Effect.gen(function* () {
      const checkpoints = yield* CheckpointStore.CheckpointStore
      assert.isTrue(checkpoints.atomic)
      yield* credit("a", [1, 2, 4, 8])
      const failing = balances("rm-mid-page", 4)
      const error = yield* Effect.flip(ProjectionRunner.catchUp(failing.projection))
      assert.strictEqual(error._tag, "ProjectionError")
      // 1 and 2 applied exactly once (the page was dropped, then its prefix committed again); 4 was not.
      assert.deepStrictEqual(yield* failing.model.get("a"), Option.some({ balance: 3, applied: 2 }))
      assert.strictEqual((yield* ProjectionRunner.status("rm-mid-page")).behind, 2)
      // Fixed: resumes at 4, never skipping it, never applying 1 and 2 again.
      const fixed = balances("rm-mid-page")
      yield* ProjectionRunner.catchUp(fixed.projection)
      assert.deepStrictEqual(yield* fixed.model.get("a"), Option.some({ balance: 15, applied: 4 }))
    }).pipe(Effect.provide(testLayer("mid-page")))
  )

  it.live("inside a unit, reads see its pending writes; a failure writes nothing", () =>
    Effect.gen(function* () {
      const checkpoints = yield* CheckpointStore.CheckpointStore
      const store = yield* ReadModelStore.ReadModelStore
      yield* store.ensureIndex("units", "n")
      yield* store.put("units", "kept", { n: 1 })
      yield* store.put("units", "gone", { n: 2 })
      const seen = yield* checkpoints.atomically(
        Effect.gen(function* () {
          yield* store.put("units", "new", { n: 3 })
          yield* store.delete("units", "gone")
          yield* checkpoints.save("units", Checkpoint.make(1n, 1n))
          return {
            fresh: yield* store.get("units", "new"),
            deleted: yield* store.get("units", "gone"),
            ids: (yield* store.list("units", { where: [{ field: "n", op: "gte", value: 2 }] })).map(
              (d) => d.id
            ),
            count: yield* store.count("units"),
            checkpoint: yield* checkpoints.load("units")
          }
        })
      )
      assert.deepStrictEqual(seen, {
        fresh: Option.some({ n: 3 }),
        deleted: Option.none(),
        ids: ["new"],
        count: 2,
        checkpoint: Option.some(Checkpoint.make(1n, 1n))
      })
      // The failing unit clears the collection and saves a checkpoint: neither reaches Redis.
      const failure = yield* Effect.flip(
        checkpoints.atomically(
          Effect.gen(function* () {
            yield* store.clear("units")
            assert.strictEqual(yield* store.count("units"), 0)
            yield* checkpoints.save("units", Checkpoint.make(2n, 2n))
            return yield* Effect.fail("boom")
          })
        )
      )
      assert.strictEqual(failure, "boom")
      const ids = (yield* store.list("units", { where: [{ field: "n", op: "lte", value: 5 }] })).map(
        (d) => d.id
      )
      assert.deepStrictEqual([...ids].sort(), ["kept", "new"])
      assert.deepStrictEqual(yield* checkpoints.load("units"), Option.some(Checkpoint.make(1n, 1n)))
    }).pipe(Effect.provide(redisPorts("units")))
  )

  it.live("a runner whose lease another owner took over writes nothing", () =>
    Effect.gen(function* () {
      // Two stores on one Redis: two processes' views, each knowing only the leases it holds.
      const stale = yield* RedisCheckpointStore.make
      const current = yield* RedisCheckpointStore.make
      const store = yield* ReadModelStore.ReadModelStore
      assert.isTrue(yield* stale.acquireLease("fenced", "stale", "100 millis"))
      yield* Effect.sleep("300 millis")
      assert.isTrue(yield* current.acquireLease("fenced", "current", "10 seconds"))
      yield* current.save("fenced", Checkpoint.make(5n, 5n))
      const refused = yield* Effect.flip(
        stale.atomically(
          Effect.andThen(
            store.put("fenced", "doc", { by: "stale" }),
            stale.save("fenced", Checkpoint.make(3n, 3n))
          )
        )
      )
      assert.include(refused.message, "another owner took it over")
      assert.isTrue(Option.isNone(yield* store.get("fenced", "doc")))
      assert.deepStrictEqual(yield* current.load("fenced"), Option.some(Checkpoint.make(5n, 5n)))
    }).pipe(Effect.provide(redisPorts("fence")))
  )

  it.live("a checkpoint that moved since this process read it (or vanished) is not written over", () =>
    Effect.gen(function* () {
      const mine = yield* RedisCheckpointStore.make
      const other = yield* RedisCheckpointStore.make
      const client = yield* RedisClient.RedisClient
      yield* other.save("moved", Checkpoint.make(1n, 1n))
      assert.deepStrictEqual(yield* mine.load("moved"), Option.some(Checkpoint.make(1n, 1n)))
      yield* other.save("moved", Checkpoint.make(2n, 2n))
      const refused = yield* Effect.flip(mine.save("moved", Checkpoint.make(3n, 3n)))
      assert.include(refused.message, "no longer where this process saw it")
      // Read again, it writes; then Redis loses the key (a restart without persistence): refused again.
      assert.deepStrictEqual(yield* mine.load("moved"), Option.some(Checkpoint.make(2n, 2n)))
      yield* mine.save("moved", Checkpoint.make(3n, 3n))
      yield* client.run("lose", (redis) => redis.del(client.key("cp", "at", "moved")))
      yield* Effect.flip(mine.save("moved", Checkpoint.make(4n, 4n)))
      assert.isTrue(Option.isNone(yield* other.load("moved")))
    }).pipe(Effect.provide(redisPorts("moved")))
  )

  it.live("two runners, concurrent writers: every event applied exactly once", () =>
    Effect.gen(function* () {
      const { model, projection } = balances("rm-race")
      const runners = yield* Effect.forEach(["one", "two"], (owner) =>
        Effect.forkChild(ProjectionRunner.run(projection, { owner, leaseDuration: "1 second", batchSize: 7 }))
      )
      const accounts = ["p", "q", "r", "s"]
      yield* Effect.forEach(
        accounts,
        (account) =>
          Effect.forEach(
            Array.from({ length: 50 }, (_, i) => i),
            (i) => credit(account, [1, i % 3 === 0 ? 2 : 1]),
            {
              discard: true
            }
          ),
        { concurrency: "unbounded", discard: true }
      )
      // The first runner stops mid-way (its lease is released): the second takes over from the checkpoint.
      const [first, second] = runners
      if (first !== undefined) yield* Fiber.interrupt(first)
      yield* Effect.forEach(accounts, (account) => credit(account, [10]), { discard: true })
      const expected = { balance: 50 + 17 * 2 + 33 + 10, applied: 101 }
      const settled = yield* Effect.forEach(accounts, (account) => model.get(account)).pipe(
        Effect.repeat({
          until: (found) => found.every((b) => Option.isSome(b) && b.value.applied >= expected.applied),
          schedule: Schedule.spaced("50 millis")
        }),
        Effect.timeout("30 seconds")
      )
      for (const found of settled) assert.deepStrictEqual(found, Option.some(expected))
      if (second !== undefined) yield* Fiber.interrupt(second)
    }).pipe(Effect.provide(testLayer("race")))
  )
})
