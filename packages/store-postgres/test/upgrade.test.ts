/**
 * Upgrading a database an older version wrote: its streams keep their versions across migration
 * 0004, which moves appends from the `streams` table to the `append_events` function.
 */
import { ConcurrencyError, EventStore } from "@cello/eventsourcing"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Migrations, PgDatabase } from "../src/index.js"
import { storeLayer } from "./testDatabase.js"

layer(storeLayer("upgrade", { migrate: false }), { excludeTestServices: true })("migration 0004", (it) => {
  it.effect("keeps every stream's events and version; appends go on from them", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { config } = yield* PgDatabase.PgDatabase
      const table = (name: string) => `"${config.schema}".${name}`
      assert.deepStrictEqual(yield* Migrations.upTo(3), [
        "0001_event_store",
        "0002_sagas",
        "0003_read_models"
      ])
      // What the older append wrote: the events and the stream's row.
      for (const version of [1, 2, 3])
        yield* sql.unsafe(
          `INSERT INTO ${table("events")} (event_id, stream_id, stream_version, type, schema_version, data, metadata)
           VALUES (gen_random_uuid(), 'account-1', $1, 'Deposited', 1, $2::jsonb, '{}'::jsonb)`,
          [version, JSON.stringify({ amount: version })]
        )
      yield* sql.unsafe(`INSERT INTO ${table("streams")} (stream_id, version) VALUES ('account-1', 3)`)

      assert.deepStrictEqual(yield* Migrations.run, [
        "0004_append_function",
        "0005_append_order",
        "0006_saga_correlation",
        "0007_saga_traceparent",
        "0008_append_fast_path"
      ])
      const gone = yield* sql.unsafe<{ readonly t: string | null }>(`SELECT to_regclass($1)::text AS t`, [
        `${config.schema}.streams`
      ])
      assert.strictEqual(gone[0]?.t, null)

      assert.strictEqual(yield* EventStore.streamVersion("account-1"), 3)
      const stale = yield* Effect.flip(
        EventStore.append("account-1", [{ type: "Deposited", data: { amount: 4 } }], { expectedVersion: 2 })
      )
      assert.deepStrictEqual(stale, new ConcurrencyError({ streamId: "account-1", expected: 2, actual: 3 }))
      const appended = yield* EventStore.append("account-1", [{ type: "Deposited", data: { amount: 4 } }], {
        expectedVersion: 3
      })
      assert.strictEqual(appended.nextExpectedVersion, 4)
      const events = yield* EventStore.readStream("account-1")
      assert.deepStrictEqual(
        events.map((e) => [e.streamVersion, e.data]),
        [1, 2, 3, 4].map((n) => [n, { amount: n }])
      )
    })
  )
})
