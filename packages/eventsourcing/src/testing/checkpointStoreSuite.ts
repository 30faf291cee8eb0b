import { assert, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import * as Checkpoint from "../Checkpoint.js"
import { CheckpointStore } from "../CheckpointStore.js"
import { freshStream } from "./fixtures.js"

/** The CheckpointStore conformance suite (checkpoints and leases; leases on the real clock). */
export const checkpointStoreSuite = <E>(name: string, storeLayer: Layer.Layer<CheckpointStore, E>): void =>
  layer(storeLayer, { excludeTestServices: true })(`${name}: CheckpointStore conformance`, (it) => {
    it.effect("stores, replaces and resets a checkpoint", () =>
      Effect.gen(function* () {
        const store = yield* CheckpointStore
        const name = freshStream("cp")
        assert.isTrue(Option.isNone(yield* store.load(name)))
        // Both parts may use all of a signed 64-bit integer (PostgreSQL bigint / xid8).
        const big = Checkpoint.make(9_223_372_036_854_775_807n, 9_223_372_036_854_775_806n)
        yield* store.save(name, Checkpoint.make(7n, 42n))
        assert.deepStrictEqual(yield* store.load(name), Option.some(Checkpoint.make(7n, 42n)))
        yield* store.save(name, big)
        assert.deepStrictEqual(yield* store.load(name), Option.some(big))
        yield* store.reset(name)
        assert.isTrue(Option.isNone(yield* store.load(name)))
      })
    )

    it.effect(
      "atomically: saves inside it are seen inside it, and an atomic store keeps none after a failure",
      () =>
        Effect.gen(function* () {
          const store = yield* CheckpointStore
          const name = freshStream("cp-atomic")
          const seen = yield* store.atomically(
            Effect.andThen(store.save(name, Checkpoint.make(1n, 5n)), store.load(name))
          )
          assert.deepStrictEqual(seen, Option.some(Checkpoint.make(1n, 5n)))
          assert.deepStrictEqual(yield* store.load(name), Option.some(Checkpoint.make(1n, 5n)))
          const failed = yield* Effect.flip(
            store.atomically(Effect.andThen(store.save(name, Checkpoint.make(2n, 9n)), Effect.fail("boom")))
          )
          assert.strictEqual(failed, "boom")
          // An atomic store undid the save with the failure; any other store kept it.
          const expected = store.atomic ? Checkpoint.make(1n, 5n) : Checkpoint.make(2n, 9n)
          assert.deepStrictEqual(yield* store.load(name), Option.some(expected))
        })
    )

    it.effect("a lease has one owner at a time, is renewed, released and taken over after expiry", () =>
      Effect.gen(function* () {
        const store = yield* CheckpointStore
        const name = freshStream("lease")
        assert.isTrue(yield* store.acquireLease(name, "a", "10 seconds"))
        assert.isFalse(yield* store.acquireLease(name, "b", "10 seconds"))
        assert.isTrue(yield* store.acquireLease(name, "a", "10 seconds"))
        yield* store.releaseLease(name, "b") // not b's: no effect
        assert.isFalse(yield* store.acquireLease(name, "b", "10 seconds"))
        yield* store.releaseLease(name, "a")
        assert.isTrue(yield* store.acquireLease(name, "b", "200 millis"))
        assert.isFalse(yield* store.acquireLease(name, "a", "10 seconds"))
        yield* Effect.sleep("400 millis")
        assert.isTrue(yield* store.acquireLease(name, "a", "10 seconds"))
        assert.isFalse(yield* store.acquireLease(name, "b", "10 seconds"))
      })
    )

    it.effect("concurrent takers of a free lease: exactly one gets it", () =>
      Effect.gen(function* () {
        const store = yield* CheckpointStore
        const name = freshStream("lease-race")
        const won = yield* Effect.forEach(
          Array.from({ length: 16 }, (_, i) => `owner-${i}`),
          (owner) => store.acquireLease(name, owner, "10 seconds"),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(won.filter(Boolean).length, 1)
      })
    )
  })
