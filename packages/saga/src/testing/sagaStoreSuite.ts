import { assert, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { uuidv7 } from "../internal/uuid.js"
import type { NewLogEntry } from "../SagaRecord.js"
import { SagaStore } from "../SagaStore.js"

/** A saga id no other test (or test run sharing the database) uses. */
const freshId = (label: string): string => `conformance-${label}-${uuidv7()}`

const started = (index: number, step: string): NewLogEntry => ({
  index,
  step,
  phase: "act",
  status: "started",
  attempt: 1
})

const flipTag = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (e) => e._tag)

/** The SagaStore conformance suite (leases on the real clock, so it takes about a second). */
export const sagaStoreSuite = <E>(name: string, storeLayer: Layer.Layer<SagaStore, E>): void =>
  layer(storeLayer, { excludeTestServices: true })(`${name}: SagaStore conformance`, (it) => {
    it.effect("keeps a saga's correlation id through every write; none when created without one", () =>
      Effect.gen(function* () {
        const store = yield* SagaStore
        const id = freshId("correlated")
        const correlationId = "4bf92f3577b34da6a3ce929d0e0e4736"
        const created = yield* store.create(
          { id, name: "order", status: "running", context: {}, owner: "a", correlationId },
          [started(0, "reserve")],
          "10 seconds"
        )
        assert.strictEqual(created.correlationId, correlationId)
        yield* store.update(id, {
          version: 1,
          owner: "a",
          changes: { status: "completed" },
          log: [],
          lease: "release"
        })
        assert.strictEqual(Option.getOrThrow(yield* store.get(id)).correlationId, correlationId)
        const listed = yield* store.list({ name: "order", limit: 1000 })
        assert.strictEqual(listed.find((r) => r.id === id)?.correlationId, correlationId)
        const plain = freshId("uncorrelated")
        yield* store.create(
          { id: plain, name: "order", status: "running", context: {}, owner: "a" },
          [],
          "10 seconds"
        )
        assert.strictEqual(Option.getOrThrow(yield* store.get(plain)).correlationId, undefined)
      })
    )

    it.effect(
      "keeps a saga's traceparent through every write and a claim; none when created without one",
      () =>
        Effect.gen(function* () {
          const store = yield* SagaStore
          const id = freshId("traced")
          const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
          const created = yield* store.create(
            { id, name: "order", status: "running", context: {}, owner: "a", traceparent },
            [started(0, "reserve")],
            "10 seconds"
          )
          assert.strictEqual(created.traceparent, traceparent)
          yield* store.update(id, {
            version: 1,
            owner: "a",
            changes: { context: { step: 1 } },
            log: [],
            lease: "10 seconds"
          })
          const claimed = yield* store.claim(id, "a", "10 seconds")
          assert.strictEqual(Option.getOrThrow(claimed).traceparent, traceparent)
          assert.strictEqual(Option.getOrThrow(yield* store.get(id)).traceparent, traceparent)
          const listed = yield* store.list({ name: "order", limit: 1000 })
          assert.strictEqual(listed.find((r) => r.id === id)?.traceparent, traceparent)
          const plain = freshId("untraced")
          const created2 = yield* store.create(
            { id: plain, name: "order", status: "running", context: {}, owner: "a" },
            [],
            "10 seconds"
          )
          assert.strictEqual(created2.traceparent, undefined)
          assert.strictEqual(Option.getOrThrow(yield* store.get(plain)).traceparent, undefined)
        })
    )

    it.effect("creates, reads and updates a saga; refuses a duplicate id", () =>
      Effect.gen(function* () {
        const store = yield* SagaStore
        const id = freshId("crud")
        assert.isTrue(Option.isNone(yield* store.get(id)))
        const context = { orderId: "o-1", items: ["a", "b"], total: 12.5, note: null, nested: { ok: true } }
        const created = yield* store.create(
          { id, name: "order", status: "running", context, owner: "a" },
          [started(0, "reserve")],
          "10 seconds"
        )
        assert.strictEqual(created.version, 1)
        assert.strictEqual(created.owner, "a")
        assert.strictEqual(created.recoveryAttempts, 0)
        assert.isDefined(created.leaseExpiresAt)
        const read = Option.getOrThrow(yield* store.get(id))
        assert.deepStrictEqual(read.context, context)
        assert.strictEqual(read.name, "order")
        assert.strictEqual(read.status, "running")
        assert.strictEqual(read.failedStep, undefined)
        assert.strictEqual(
          yield* flipTag(
            store.create({ id, name: "order", status: "running", context: {}, owner: "b" }, [], "10 seconds")
          ),
          "SagaAlreadyExists"
        )
        const v2 = yield* store.update(id, {
          version: 1,
          owner: "a",
          changes: { status: "compensating", context: { step: 2 }, failedStep: "charge", error: "declined" },
          log: [],
          lease: "10 seconds"
        })
        assert.strictEqual(v2, 2)
        const v3 = yield* store.update(id, {
          version: 2,
          owner: "a",
          changes: {
            status: "compensation_failed",
            compensationFailedStep: "reserve",
            compensationError: "boom"
          },
          log: [],
          lease: "release"
        })
        assert.strictEqual(v3, 3)
        const final = Option.getOrThrow(yield* store.get(id))
        assert.strictEqual(final.status, "compensation_failed")
        assert.deepStrictEqual(final.context, { step: 2 })
        assert.strictEqual(final.failedStep, "charge")
        assert.strictEqual(final.error, "declined")
        assert.strictEqual(final.compensationFailedStep, "reserve")
        assert.strictEqual(final.compensationError, "boom")
        assert.strictEqual(final.owner, undefined)
        assert.strictEqual(final.leaseExpiresAt, undefined)
        assert.strictEqual(final.version, 3)
      })
    )

    it.effect("keeps the step log in write order, with the entries of each write together", () =>
      Effect.gen(function* () {
        const store = yield* SagaStore
        const id = freshId("log")
        yield* store.create(
          { id, name: "s", status: "running", context: {}, owner: "a" },
          [started(0, "one")],
          "10 seconds"
        )
        yield* store.update(id, {
          version: 1,
          owner: "a",
          changes: {},
          log: [
            { index: 0, step: "one", phase: "act", status: "failed", attempt: 1, error: "flaky" },
            { index: 0, step: "one", phase: "act", status: "started", attempt: 2 }
          ],
          lease: "10 seconds"
        })
        yield* store.update(id, {
          version: 2,
          owner: "a",
          changes: { context: { n: 1 } },
          log: [{ index: 0, step: "one", phase: "act", status: "completed", attempt: 2 }, started(1, "two")],
          lease: "10 seconds"
        })
        const log = yield* store.log(id)
        assert.deepStrictEqual(
          log.map((e) => [e.index, e.step, e.phase, e.status, e.attempt, e.error ?? null]),
          [
            [0, "one", "act", "started", 1, null],
            [0, "one", "act", "failed", 1, "flaky"],
            [0, "one", "act", "started", 2, null],
            [0, "one", "act", "completed", 2, null],
            [1, "two", "act", "started", 1, null]
          ]
        )
        for (const e of log) assert.strictEqual(e.sagaId, id)
        const sequences = log.map((e) => e.sequence)
        assert.deepStrictEqual(
          [...sequences].sort((a, b) => a - b),
          sequences
        )
        assert.strictEqual(new Set(sequences).size, sequences.length)
        assert.deepStrictEqual(yield* store.log(freshId("none")), [])
      })
    )

    it.effect("a write with a stale version or by another owner is refused and changes nothing", () =>
      Effect.gen(function* () {
        const store = yield* SagaStore
        const id = freshId("cas")
        yield* store.create(
          { id, name: "s", status: "running", context: { n: 0 }, owner: "a" },
          [],
          "10 seconds"
        )
        const write = (version: number, owner: string, n: number) =>
          store.update(id, {
            version,
            owner,
            changes: { context: { n } },
            log: [started(n, `step-${n}`)],
            lease: "10 seconds"
          })
        assert.strictEqual(yield* write(1, "a", 1), 2)
        assert.strictEqual(yield* flipTag(write(1, "a", 2)), "SagaConflict")
        assert.strictEqual(yield* flipTag(write(2, "b", 3)), "SagaConflict")
        assert.strictEqual(
          yield* flipTag(
            store.update(freshId("missing"), {
              version: 1,
              owner: "a",
              changes: {},
              log: [],
              lease: "1 second"
            })
          ),
          "SagaConflict"
        )
        const read = Option.getOrThrow(yield* store.get(id))
        assert.strictEqual(read.version, 2)
        assert.deepStrictEqual(read.context, { n: 1 })
        assert.deepStrictEqual(
          (yield* store.log(id)).map((e) => e.step),
          ["step-1"]
        )
        // Concurrent writers of one version: exactly one wins.
        const results = yield* Effect.forEach(
          [10, 11, 12, 13, 14, 15, 16, 17],
          (n) => Effect.result(write(2, "a", n)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter((r) => r._tag === "Success").length, 1)
        assert.strictEqual((yield* store.log(id)).length, 2)
      })
    )

    it.effect("leases: renewal, claim only when free, expired or own; a claim bumps the version", () =>
      Effect.gen(function* () {
        const store = yield* SagaStore
        const id = freshId("lease")
        yield* store.create({ id, name: "s", status: "running", context: {}, owner: "a" }, [], "300 millis")
        assert.isTrue(yield* store.renewLease(id, "a", "300 millis"))
        assert.isFalse(yield* store.renewLease(id, "b", "300 millis"))
        assert.isTrue(Option.isNone(yield* store.claim(id, "b", "10 seconds")))
        assert.notInclude(
          (yield* store.recoverable("b", 1000)).map((r) => r.id),
          id
        )
        // The owner itself may claim at once (a restarted instance resuming its own work).
        assert.include(
          (yield* store.recoverable("a", 1000)).map((r) => r.id),
          id
        )
        yield* Effect.sleep("600 millis")
        assert.include(
          (yield* store.recoverable("b", 1000)).map((r) => r.id),
          id
        )
        const claimed = Option.getOrThrow(yield* store.claim(id, "b", "10 seconds"))
        assert.strictEqual(claimed.owner, "b")
        assert.strictEqual(claimed.version, 2)
        assert.strictEqual(claimed.recoveryAttempts, 1)
        // The previous owner has lost it: its writes and renewals are refused.
        assert.isFalse(yield* store.renewLease(id, "a", "10 seconds"))
        assert.strictEqual(
          yield* flipTag(
            store.update(id, { version: 1, owner: "a", changes: {}, log: [], lease: "1 second" })
          ),
          "SagaConflict"
        )
        assert.isTrue(Option.isNone(yield* store.claim(id, "c", "10 seconds")))
        assert.notInclude(
          (yield* store.recoverable("c", 1000)).map((r) => r.id),
          id
        )
        // A finished saga is never recoverable, whoever asks.
        yield* store.update(id, {
          version: 2,
          owner: "b",
          changes: { status: "completed" },
          log: [],
          lease: "release"
        })
        assert.isTrue(Option.isNone(yield* store.claim(id, "c", "10 seconds")))
        assert.notInclude(
          (yield* store.recoverable("c", 1000)).map((r) => r.id),
          id
        )
      })
    )

    it.effect("concurrent claimers of an expired saga: exactly one gets it", () =>
      Effect.gen(function* () {
        const store = yield* SagaStore
        const id = freshId("race")
        yield* store.create(
          { id, name: "s", status: "compensating", context: {}, owner: "dead" },
          [],
          "1 millis"
        )
        yield* Effect.sleep("50 millis")
        const won = yield* Effect.forEach(
          Array.from({ length: 16 }, (_, i) => `owner-${i}`),
          (owner) => store.claim(id, owner, "10 seconds"),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(won.filter(Option.isSome).length, 1)
        assert.strictEqual(Option.getOrThrow(yield* store.get(id)).version, 2)
      })
    )

    it.effect(
      "reopens only a compensation_failed saga: to an owner, or free for any recovery; one reopener wins",
      () =>
        Effect.gen(function* () {
          const store = yield* SagaStore
          const failedSaga = (label: string) =>
            Effect.gen(function* () {
              const id = freshId(label)
              yield* store.create(
                { id, name: "s", status: "compensating", context: { n: 1 }, owner: "a" },
                [],
                "10 seconds"
              )
              yield* store.claim(id, "a", "10 seconds")
              yield* store.update(id, {
                version: 2,
                owner: "a",
                changes: {
                  status: "compensation_failed",
                  compensationFailedStep: "pay",
                  compensationError: "down"
                },
                log: [],
                lease: "release"
              })
              return id
            })
          const id = yield* failedSaga("reopen")
          const reopened = Option.getOrThrow(yield* store.reopen(id, { owner: "b", lease: "10 seconds" }))
          assert.strictEqual(reopened.status, "compensating")
          assert.strictEqual(reopened.owner, "b")
          assert.isDefined(reopened.leaseExpiresAt)
          assert.strictEqual(reopened.version, 4)
          assert.strictEqual(reopened.recoveryAttempts, 0)
          assert.strictEqual(reopened.compensationFailedStep, undefined)
          assert.strictEqual(reopened.compensationError, undefined)
          assert.deepStrictEqual(Option.getOrThrow(yield* store.get(id)), reopened)
          // Now in flight and leased: not reopened again, and only its owner writes.
          assert.isTrue(Option.isNone(yield* store.reopen(id, { owner: "c", lease: "10 seconds" })))
          assert.notInclude(
            (yield* store.recoverable("c", 1000)).map((r) => r.id),
            id
          )
          assert.strictEqual(
            yield* store.update(id, {
              version: 4,
              owner: "b",
              changes: { status: "compensated" },
              log: [],
              lease: "release"
            }),
            5
          )
          assert.isTrue(Option.isNone(yield* store.reopen(id, undefined)))

          // With no owner: free for any instance's recovery.
          const free = yield* failedSaga("reopen-free")
          const unowned = Option.getOrThrow(yield* store.reopen(free, undefined))
          assert.strictEqual(unowned.owner, undefined)
          assert.strictEqual(unowned.leaseExpiresAt, undefined)
          assert.include(
            (yield* store.recoverable("anyone", 1000)).map((r) => r.id),
            free
          )
          assert.strictEqual(
            Option.getOrThrow(yield* store.claim(free, "anyone", "10 seconds")).owner,
            "anyone"
          )

          const raced = yield* failedSaga("reopen-race")
          const won = yield* Effect.forEach(
            Array.from({ length: 8 }, (_, i) => `owner-${i}`),
            (owner) => store.reopen(raced, { owner, lease: "10 seconds" }),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(won.filter(Option.isSome).length, 1)
          assert.isTrue(Option.isNone(yield* store.reopen(freshId("missing"), undefined)))
        })
    )

    it.effect("lists by status and name, newest first, up to a limit", () =>
      Effect.gen(function* () {
        const store = yield* SagaStore
        const name = freshId("list-name")
        const ids = Array.from({ length: 4 }, (_, i) => `${name}-${i}`)
        for (const [i, id] of ids.entries()) {
          yield* store.create(
            { id, name, status: i % 2 === 0 ? "running" : "completed", context: { i }, owner: "a" },
            [],
            "1 second"
          )
          yield* Effect.sleep("5 millis")
        }
        const all = yield* store.list({ name })
        assert.deepStrictEqual(
          all.map((r) => r.id),
          [...ids].reverse()
        )
        assert.deepStrictEqual(
          (yield* store.list({ name, status: "running" })).map((r) => r.id),
          [ids[2], ids[0]]
        )
        assert.deepStrictEqual(
          (yield* store.list({ name, status: ["running", "completed"], limit: 3 })).map((r) => r.id),
          [ids[3], ids[2], ids[1]]
        )
        assert.deepStrictEqual(yield* store.list({ name, status: "dead_letter" }), [])
      })
    )
  })
