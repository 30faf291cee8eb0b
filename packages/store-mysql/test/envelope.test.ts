/**
 * Rows become envelopes in one loop that reads DATETIME text from its digits and shares one
 * `DateTime` between consecutive events of one append: the times read must be the ones stored.
 */
import { EventStore } from "@cello/eventsourcing"
import { assert, describe, it, layer } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "../src/index.js"
import { utcMillis } from "../src/internal/envelope.js"
import { storeLayer } from "./testDatabase.js"

describe("utcMillis", () => {
  it("reads DATETIME text as Date.parse reads it in UTC, microseconds cut", () => {
    for (const text of [
      "2026-12-01 15:31:25.123456",
      "2026-12-01 15:31:25.999999",
      "2026-12-01 15:31:25",
      "1999-02-28 23:59:59.000001",
      "2024-02-29 00:00:00.5",
      "2026-12-01 15:31:25.120",
      "1970-01-01 00:00:00.000000",
      "0099-06-15 12:00:00"
    ])
      assert.strictEqual(utcMillis(text), Date.parse(`${text.replace(" ", "T")}Z`), text)
  })
})

layer(storeLayer("envelope"), { excludeTestServices: true })("envelopes read back", (it) => {
  it.effect("every event reads back the time its append stored, in readAll and readStream", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const streamId = `times-${crypto.randomUUID()}`
      const before = yield* store.head
      const appended = []
      for (let i = 0; i < 3; i++)
        appended.push(
          ...(yield* store.append(streamId, [
            { type: "A", data: { i } },
            { type: "B", data: { i } }
          ])).events
        )
      const stored = appended.map((e) => DateTime.toEpochMillis(e.timestamp))
      const all = (yield* store.readAll({ from: before })).filter((e) => e.streamId === streamId)
      const forwards = yield* store.readStream(streamId)
      const backwards = yield* store.readStream(streamId, { direction: "backwards" })
      assert.deepStrictEqual(
        all.map((e) => DateTime.toEpochMillis(e.timestamp)),
        stored
      )
      assert.deepStrictEqual(
        forwards.map((e) => DateTime.toEpochMillis(e.timestamp)),
        stored
      )
      assert.deepStrictEqual(
        backwards.map((e) => DateTime.toEpochMillis(e.timestamp)),
        [...stored].reverse()
      )
      assert.deepStrictEqual(
        forwards.map((e) => [e.streamId, e.streamVersion, e.data]),
        appended.map((e) => [streamId, e.streamVersion, e.data])
      )
    })
  )

  it.effect("runValues answers each row as its values in the order selected, in a transaction too", () =>
    Effect.gen(function* () {
      const database = yield* MysqlDatabase.MysqlDatabase
      const query = CompiledQuery.raw("SELECT ? AS b, ? AS a UNION ALL SELECT 'x', 'y'", ["1", "2"])
      assert.deepStrictEqual(yield* database.runValues(query), [
        ["1", "2"],
        ["x", "y"]
      ])
      assert.deepStrictEqual(yield* database.withTransaction(database.runValues(query)), [
        ["1", "2"],
        ["x", "y"]
      ])
    })
  )
})
