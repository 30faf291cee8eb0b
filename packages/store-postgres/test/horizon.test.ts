/**
 * Readers wait only for transactions that may still append to this store: a transaction held open
 * in another database of the server, or one here that never appends, holds no projection back. (One
 * held open inside this store's append path does: see heldBack.test.ts.)
 */
import { EventStore } from "@cello/eventsourcing"
import { PgClient } from "@effect/sql-pg"
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Redacted, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { onRealServer, storeLayer, url } from "./testDatabase.js"

/** Opens a transaction that has written (so it has an id) and keeps it open until `release`. */
const holdOpen = (opened: Deferred.Deferred<void>, release: Deferred.Deferred<void>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(
      Effect.gen(function* () {
        yield* sql.unsafe("SELECT pg_current_xact_id()::text")
        yield* Deferred.succeed(opened, undefined)
        yield* Deferred.await(release)
      })
    )
  )

layer(storeLayer("horizon", { pollInterval: "100 millis" }), { excludeTestServices: true })(
  "the read horizon",
  (it) => {
    it.effect("is not held back by open transactions that cannot append to this store", () =>
      onRealServer(
        "is not held back by open transactions that cannot append to this store",
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe("CREATE DATABASE cello_test_other").pipe(Effect.ignore)
          const other = new URL(url)
          other.pathname = "/cello_test_other"
          const release = yield* Deferred.make<void>()
          const elsewhere = yield* Deferred.make<void>()
          const here = yield* Deferred.make<void>()
          const holders = yield* Effect.forkChild(
            Effect.all(
              [
                holdOpen(elsewhere, release).pipe(
                  Effect.provide(PgClient.layer({ url: Redacted.make(other.toString()) }))
                ),
                holdOpen(here, release)
              ],
              { concurrency: 2 }
            )
          )
          yield* Deferred.await(elsewhere)
          yield* Deferred.await(here)

          const store = yield* EventStore.EventStore
          const from = yield* store.head
          const stream = `horizon-${Math.random()}`
          yield* store.append(stream, [{ type: "Tick", data: {} }])
          // Delivered while both transactions are still open (the timeout is a hang guard).
          const delivered = yield* store.subscribeAll({ from }).pipe(
            Stream.filter((e) => e.streamId === stream),
            Stream.runHead,
            Effect.timeoutOption("20 seconds")
          )
          assert.isTrue(Option.isSome(delivered) && Option.isSome(delivered.value))
          assert.isUndefined(holders.pollUnsafe(), "both transactions were still open")
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(holders)
        })
      )
    )
  }
)
