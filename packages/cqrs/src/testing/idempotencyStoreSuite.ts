/**
 * The IdempotencyStore conformance suite. Each test uses fresh keys, so the store may hold other data
 * (a shared database); expiry runs on the real clock, as a store timed by its database must.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { IdempotencyStore, type Outcome } from "../IdempotencyStore.js"
import { freshName } from "./fixtures.js"

const outcomes: ReadonlyArray<readonly [string, Outcome]> = [
  ["a success", { _tag: "Succeeded", value: { orderId: "o-1", total: 42.5, lines: [{ sku: 'Zoë "1"' }] } }],
  ["a success without a value", { _tag: "Succeeded", value: null }],
  ["a typed failure", { _tag: "Failed", error: { _tag: "InsufficientFunds", needed: 10, note: "l'été" } }]
]

export const idempotencyStoreSuite = <E>(name: string, storeLayer: Layer.Layer<IdempotencyStore, E>): void =>
  layer(storeLayer, { excludeTestServices: true })(`${name}: IdempotencyStore conformance`, (it) => {
    it.effect("the first claim wins; a second, while it is pending, finds it in progress", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const key = freshName("claim")
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "Claimed" })
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "InProgress" })
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "InProgress" })
        // Keys are independent.
        assert.deepStrictEqual(yield* store.claim(freshName("other"), "1 minute"), { _tag: "Claimed" })
      })
    )

    for (const [label, outcome] of outcomes) {
      it.effect(`a completed key returns its outcome: ${label}`, () =>
        Effect.gen(function* () {
          const store = yield* IdempotencyStore
          const key = freshName("complete")
          yield* store.claim(key, "1 minute")
          yield* store.complete(key, outcome, "1 hour")
          assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "Completed", outcome })
          assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "Completed", outcome })
        })
      )
    }

    it.effect("a released claim can be claimed again; a release never erases an outcome", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const key = freshName("release")
        yield* store.claim(key, "1 minute")
        yield* store.release(key)
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "Claimed" })
        const outcome: Outcome = { _tag: "Succeeded", value: 1 }
        yield* store.complete(key, outcome, "1 hour")
        yield* store.release(key)
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "Completed", outcome })
        // Releasing a key nobody claimed is no error.
        yield* store.release(freshName("never-claimed"))
      })
    )

    it.effect("a claim whose holder never finished expires and can be claimed again", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const key = freshName("expire")
        assert.deepStrictEqual(yield* store.claim(key, "200 millis"), { _tag: "Claimed" })
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "InProgress" })
        yield* Effect.sleep("400 millis")
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "Claimed" })
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "InProgress" })
      })
    )

    it.effect("an outcome is kept for its retention, then the key is free again", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const key = freshName("retention")
        const outcome: Outcome = { _tag: "Failed", error: "boom" }
        yield* store.claim(key, "1 minute")
        yield* store.complete(key, outcome, "200 millis")
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "Completed", outcome })
        yield* Effect.sleep("400 millis")
        assert.deepStrictEqual(yield* store.claim(key, "1 minute"), { _tag: "Claimed" })
      })
    )

    it.effect("16 concurrent claims of one key: exactly one is Claimed, the others InProgress", () =>
      Effect.gen(function* () {
        const store = yield* IdempotencyStore
        const key = freshName("race")
        const claims = yield* Effect.forEach(
          Array.from({ length: 16 }, () => key),
          (k) => store.claim(k, "1 minute"),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(claims.filter((c) => c._tag === "Claimed").length, 1)
        assert.strictEqual(claims.filter((c) => c._tag === "InProgress").length, 15)
      })
    )
  })
