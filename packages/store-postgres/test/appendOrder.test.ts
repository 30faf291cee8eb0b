/**
 * Every transaction shape the API accepts keeps each stream's events in version order for readers,
 * or is refused with a typed error (migration 0005). Each case is staged step by step with a second
 * session, so it needs a real server (PGlite is one session).
 */
import { ConcurrencyError, EventStore, InvalidAppendError } from "@cello/eventsourcing"
import { visible } from "@cello/eventsourcing/testing"
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { SqlClient } from "effect/sql"
import { onRealServer, storeLayer } from "./testDatabase.js"

const tick = (n: number) => [{ type: "Tick", data: { n } }]

/** Runs `before`, signals, waits for `go`, then runs `after`, all in one transaction. */
const staged = <A, E, R, B, E2, R2>(
  before: Effect.Effect<A, E, R>,
  after: Effect.Effect<B, E2, R2>,
  ready: Deferred.Deferred<void>,
  go: Deferred.Deferred<void>
) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(
      Effect.gen(function* () {
        yield* before
        yield* Deferred.succeed(ready, undefined)
        yield* Deferred.await(go)
        return yield* after
      })
    )
  )

layer(storeLayer("order"), { excludeTestServices: true })("transaction shapes", (it) => {
  it.effect(
    "a two-stream transaction that would put a stream out of order is refused, and succeeds retried",
    () =>
      onRealServer(
        "a two-stream transaction that would put a stream out of order is refused, and succeeds retried",
        Effect.gen(function* () {
          const store = yield* EventStore.EventStore
          const [a, b] = [`a-${Math.random()}`, `b-${Math.random()}`]
          const ready = yield* Deferred.make<void>()
          const go = yield* Deferred.make<void>()
          // T1 appends to b (its id is now older than T2's), then to a, which T2 wrote meanwhile.
          const t1 = yield* Effect.forkChild(
            Effect.flip(staged(store.append(b, tick(1)), store.append(a, tick(2)), ready, go))
          )
          yield* Deferred.await(ready)
          yield* store.append(a, tick(1))
          yield* Deferred.succeed(go, undefined)
          const refused = yield* Fiber.join(t1)
          assert.instanceOf(refused, ConcurrencyError)
          if (refused instanceof ConcurrencyError)
            assert.match(refused.reason ?? "", /retry the whole transaction/)
          assert.strictEqual(yield* store.streamVersion(b), 0, "the transaction was undone whole")
          // The same transaction again, now with a fresh id: accepted, and the order holds.
          const sql = yield* SqlClient.SqlClient
          const last = yield* sql.withTransaction(
            Effect.andThen(store.append(b, tick(1)), store.append(a, tick(2)))
          )
          yield* visible(last.checkpoint)
          const read = (yield* store.readAll({ limit: 100_000 })).filter((e) => e.streamId === a)
          assert.deepStrictEqual(
            read.map((e) => e.streamVersion),
            [1, 2]
          )
        })
      )
  )

  it.effect(
    "a transaction that wrote elsewhere first may append while no newer append committed, else is refused",
    () =>
      onRealServer(
        "a transaction that wrote elsewhere first may append while no newer append committed, else is refused",
        Effect.gen(function* () {
          const store = yield* EventStore.EventStore
          const sql = yield* SqlClient.SqlClient
          const table = `side_${Date.now().toString(36)}`
          yield* sql.unsafe(`CREATE TABLE ${table} (n int)`)
          const write = sql.unsafe(`INSERT INTO ${table} VALUES (1)`)
          // Alone: nothing newer was appended, so no reader can have passed its id.
          yield* sql.withTransaction(Effect.andThen(write, store.append(`alone-${Math.random()}`, tick(1))))
          const ready = yield* Deferred.make<void>()
          const go = yield* Deferred.make<void>()
          const stream = `late-${Math.random()}`
          const late = yield* Effect.forkChild(
            Effect.flip(staged(write, store.append(stream, tick(1)), ready, go))
          )
          yield* Deferred.await(ready)
          yield* store.append(`newer-${Math.random()}`, tick(1))
          yield* Deferred.succeed(go, undefined)
          const refused = yield* Fiber.join(late)
          assert.instanceOf(refused, InvalidAppendError)
          if (refused instanceof InvalidAppendError)
            assert.match(refused.reason, /wrote before its first append/)
          assert.strictEqual(yield* store.streamVersion(stream), 0)
        })
      )
  )

  it.effect(
    "two transactions appending to two streams in opposite orders: one is undone with ConcurrencyError",
    () =>
      onRealServer(
        "deadlock test",
        Effect.gen(function* () {
          const store = yield* EventStore.EventStore
          const [a, b] = [`dl-a-${Math.random()}`, `dl-b-${Math.random()}`]
          const [readyA, readyB, go] = [
            yield* Deferred.make<void>(),
            yield* Deferred.make<void>(),
            yield* Deferred.make<void>()
          ]
          const run = (first: string, second: string, ready: Deferred.Deferred<void>) =>
            Effect.exit(staged(store.append(first, tick(1)), store.append(second, tick(2)), ready, go))
          const both = yield* Effect.forkChild(
            Effect.all([run(a, b, readyA), run(b, a, readyB)], { concurrency: 2 })
          )
          yield* Deferred.await(readyA)
          yield* Deferred.await(readyB)
          yield* Deferred.succeed(go, undefined)
          const exits = yield* Fiber.join(both)
          const failures = exits.flatMap((exit) => (exit._tag === "Failure" ? exit.cause.reasons : []))
          assert.strictEqual(failures.length, 1, "one of the two is undone, the other commits")
          const failure = failures[0]
          assert.isTrue(
            failure !== undefined && failure._tag === "Fail" && failure.error instanceof ConcurrencyError
          )
          if (failure?._tag === "Fail" && failure.error instanceof ConcurrencyError)
            assert.match(failure.error.reason ?? "", /deadlock/)
          assert.strictEqual((yield* store.streamVersion(a)) + (yield* store.streamVersion(b)), 2)
        })
      )
  )

  it.effect(
    "a re-sent append is stored once and answers the original result; its ids elsewhere are refused",
    () =>
      Effect.gen(function* () {
        const store = yield* EventStore.EventStore
        const stream = `again-${Math.random()}`
        const ids = [crypto.randomUUID(), crypto.randomUUID()]
        const events = ids.map((eventId, n) => ({ eventId, type: "Tick", data: { n } }))
        yield* store.append(stream, tick(0))
        const first = yield* store.append(stream, events, { expectedVersion: 1 })
        // The answer was lost (say the connection died after COMMIT): the client sends it again.
        for (const expectedVersion of [1, "any", "stream_exists"] as const) {
          const again = yield* store.append(stream, events, { expectedVersion })
          assert.deepStrictEqual(
            again.events.map((e) => [e.eventId, e.streamVersion, e.position]),
            first.events.map((e) => [e.eventId, e.streamVersion, e.position])
          )
          assert.strictEqual(again.nextExpectedVersion, 3)
        }
        assert.strictEqual(yield* store.streamVersion(stream), 3)
        const refusals = [
          store.append(`elsewhere-${Math.random()}`, events),
          store.append(stream, [...events].reverse(), { expectedVersion: "any" }),
          store.append(stream, [{ type: "Tick", data: {} }, ...events], { expectedVersion: "any" })
        ]
        for (const refusal of refusals) {
          const error = yield* Effect.flip(refusal)
          assert.instanceOf(error, InvalidAppendError)
          if (error instanceof InvalidAppendError)
            assert.match(error.reason, new RegExp(`event id (${ids.join("|")})`))
        }
        assert.strictEqual(yield* store.streamVersion(stream), 3)
      })
  )
})
