/**
 * The server goes away and comes back: operations fail with StoreUnavailable naming host and
 * database (never the password), nothing is half-written, and the pool recovers. A TCP proxy we
 * control stands between the store and PostgreSQL, so "the server is down" is real, not mocked.
 */
import { EventStore } from "@cello/eventsourcing"
import { startTcpProxy } from "@cello/tooling/net"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schedule } from "effect"
import { SqlClient } from "effect/sql"
import { PgStore } from "../src/index.js"
import { freshSchema, url } from "./testDatabase.js"

const target = new URL(url)

/** A proxy to PostgreSQL that can be cut (closing every connection) and restored on the same port. */
const makeProxy = Effect.acquireRelease(
  Effect.promise(() => startTcpProxy(target.hostname, Number(target.port || 5432))),
  (proxy) => Effect.promise(() => proxy.cut())
)

describe("PostgreSQL unavailable", () => {
  it.live("a server that is not there fails the layer with StoreUnavailable naming host and database", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Layer.build(
          PgStore.layer({ url: "postgres://ann:hunter2@127.0.0.1:1/nowhere", connectTimeout: "2 seconds" })
        )
      )
      assert.strictEqual(error._tag, "StoreUnavailable")
      assert.include(error.message, "127.0.0.1:1/nowhere")
      assert.notInclude(error.message, "hunter2")
      assert.notInclude(error.message, "ann")
    }).pipe(Effect.scoped)
  )

  it.live("cut mid-use: StoreUnavailable, nothing half-written; restored: the pool recovers", () =>
    Effect.gen(function* () {
      const proxy = yield* makeProxy
      const proxied = `postgres://${target.username || "postgres"}:s3cret-pw@127.0.0.1:${proxy.port}${target.pathname}`
      const schema = freshSchema("unavailable")
      const context = yield* Layer.build(
        PgStore.layer({ url: proxied, schema, poolSize: 3, connectTimeout: "2 seconds" })
      )
      const store = yield* Effect.provideContext(EventStore.EventStore, context)
      yield* store.append("s-1", [{ type: "A", data: {} }])

      yield* Effect.promise(() => proxy.cut())
      const batch = Array.from({ length: 5 }, (_, i) => ({ type: "B", data: { i } }))
      const error = yield* Effect.flip(store.append("s-1", batch, { expectedVersion: 1 }))
      assert.strictEqual(error._tag, "StoreUnavailable")
      if (error._tag === "StoreUnavailable") {
        assert.include(error.message, `127.0.0.1:${proxy.port}${target.pathname}`)
        assert.notInclude(error.message, "s3cret-pw")
      }
      const readError = yield* Effect.flip(store.readAll())
      assert.strictEqual(readError._tag, "StoreUnavailable")

      yield* Effect.promise(() => proxy.restore())
      // The failed append either never reached the server or was rolled back with its connection.
      const recovered = yield* store
        .streamVersion("s-1")
        .pipe(Effect.retry({ times: 20, schedule: Schedule.spaced("250 millis") }))
      assert.strictEqual(recovered, 1)
      const after = yield* store.append("s-1", batch, { expectedVersion: 1 })
      assert.strictEqual(after.nextExpectedVersion, 6)
      const sql = yield* Effect.provideContext(SqlClient.SqlClient, context)
      yield* sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`)
    }).pipe(Effect.scoped)
  )
})
