/**
 * A connection that dies inside a transaction (terminated by an operator, by
 * `idle_in_transaction_session_timeout`, or by a server restart) fails the transaction with a typed
 * `StoreUnavailable`, never a defect: the ROLLBACK on the dead connection fails too, and that must not
 * turn an outage into a crash. The async projection then resumes from its checkpoint by itself.
 */
import { CheckpointStore, EventStore, Projection, ProjectionRunner } from "@cello/eventsourcing"
import { visible } from "@cello/eventsourcing/testing"
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Ref, Schedule, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { onRealServer, storeLayer } from "./testDatabase.js"

class Credited extends Schema.TaggedClass<Credited>()("Credited", {
  account: Schema.String,
  amount: Schema.Int
}) {}

/** The backend pid of the connection the caller's transaction runs on. */
const backendPid = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.unsafe<{ pid: number }>("SELECT pg_backend_pid() AS pid")
).pipe(Effect.map((rows) => rows[0]?.pid ?? 0))

const terminate = (pid: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe("SELECT pg_terminate_backend($1)", [pid]))

layer(storeLayer("connlost"), { excludeTestServices: true })("a connection lost mid-transaction", (it) => {
  it.effect("an async projection whose page's connection is terminated resumes from its checkpoint", () =>
    onRealServer(
      "an async projection whose page's connection is terminated resumes from its checkpoint",
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const table = `rm_lost_${Date.now().toString(36)}`
        yield* sql.unsafe(`CREATE TABLE ${table} (account text primary key, balance int not null)`)
        const inPage = yield* Deferred.make<number>()
        const slowed = yield* Ref.make(false)
        const projection = Projection.make({
          name: `lost-${table}`,
          events: [Credited],
          handlers: {
            Credited: (e) =>
              Effect.gen(function* () {
                yield* sql.unsafe(
                  `INSERT INTO ${table} (account, balance) VALUES ($1, $2)
                   ON CONFLICT (account) DO UPDATE SET balance = ${table}.balance + excluded.balance`,
                  [e.account, e.amount]
                )
                // The first page waits, idle in its transaction, until its connection is gone.
                if (!(yield* Ref.getAndSet(slowed, true))) {
                  yield* Deferred.succeed(inPage, yield* backendPid)
                  yield* Effect.sleep("1500 millis")
                }
              })
          }
        })
        const stream = `acct-${Math.random()}`
        const credit = (amount: number) =>
          EventStore.append(stream, [{ type: "Credited", data: { account: "a", amount } }])
        yield* credit(1)
        const runner = yield* Effect.forkChild(
          ProjectionRunner.run(projection, { retryDelay: "50 millis", leaseDuration: "3 seconds" })
        )
        yield* terminate(yield* Deferred.await(inPage))
        yield* credit(2)
        const last = yield* credit(4)
        yield* visible(last.checkpoint)
        // Applied exactly once each: 1 + 2 + 4, with the checkpoint at the last event.
        const checkpoints = yield* CheckpointStore.CheckpointStore
        const settled = Effect.gen(function* () {
          const rows = yield* sql.unsafe<{ balance: number }>(`SELECT balance FROM ${table}`)
          const at = yield* checkpoints.load(projection.name)
          return (
            rows[0]?.balance === 7 && Option.isSome(at) && at.value.position === last.checkpoint?.position
          )
        })
        yield* settled.pipe(
          Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("50 millis") }),
          Effect.timeout("20 seconds")
        )
        const rows = yield* sql.unsafe<{ balance: number }>(`SELECT balance FROM ${table}`)
        assert.deepStrictEqual(
          rows.map((r) => r.balance),
          [7]
        )
        // Still running: the outage did not end it.
        assert.isUndefined(runner.pollUnsafe())
        yield* Fiber.interrupt(runner)
      })
    )
  )

  it.effect(
    "an append whose inline step's connection is terminated fails with StoreUnavailable, writing nothing",
    () =>
      onRealServer(
        "an append whose inline step's connection is terminated fails with StoreUnavailable, writing nothing",
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const stream = `inline-${Math.random()}`
          const exit = yield* Effect.exit(
            EventStore.append(stream, [{ type: "Credited", data: { account: "b", amount: 1 } }], {
              inline: () =>
                Effect.gen(function* () {
                  yield* terminate(yield* backendPid).pipe(Effect.ignore)
                  yield* sql.unsafe("SELECT 1")
                }).pipe(Effect.mapError(() => "unexpected"))
            })
          )
          assert.isTrue(Exit.isFailure(exit))
          if (Exit.isFailure(exit)) {
            assert.strictEqual(
              exit.cause.reasons.map((r) => r._tag).join(","),
              "Fail",
              `expected one typed failure, got ${String(exit.cause)}`
            )
          }
          assert.strictEqual(yield* EventStore.streamVersion(stream), 0)
        })
      )
  )
})
