/**
 * MySQL's limits, refused up front with typed errors that name them, writing nothing: an append must
 * fit one statement (`max_allowed_packet`). Text is utf8mb4 everywhere: 4-byte characters round-trip
 * in stream ids, types and payloads.
 */
import { EventStore } from "@cello/eventsourcing"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { MysqlDatabase } from "../src/index.js"
import { storeLayer } from "./testDatabase.js"

layer(storeLayer("limits"), { excludeTestServices: true })("MySQL limits", (it) => {
  it.effect("an append larger than max_allowed_packet is an InvalidAppendError naming the limit", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const { maxStatementBytes } = yield* MysqlDatabase.MysqlDatabase
      const streamId = `big-${crypto.randomUUID()}`
      const error = yield* Effect.flip(
        store.append(streamId, [{ type: "Big", data: { s: "x".repeat(maxStatementBytes) } }])
      )
      assert.strictEqual(error._tag, "InvalidAppendError")
      assert.include(error.message, `max_allowed_packet is ${maxStatementBytes} bytes`)
      assert.strictEqual(yield* store.streamVersion(streamId), 0)
    })
  )

  it.effect("large payloads round-trip exactly (no truncation on the way into the table)", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const streamId = `large-${crypto.randomUUID()}`
      const big = { s: 'é🎻x\\"'.repeat(400_000), n: [1.5, -0, 1e21], ctl: "\u0001\t" }
      const events = [
        { type: "Big", data: big, metadata: { note: "m".repeat(70_000) } },
        { type: "Small", data: { ok: true } }
      ]
      yield* store.append(streamId, events)
      const read = yield* store.readStream(streamId)
      assert.deepStrictEqual(
        read.map((e) => e.data),
        events.map((e) => JSON.parse(JSON.stringify(e.data)))
      )
      assert.strictEqual(read[0]?.metadata.note, "m".repeat(70_000))
    })
  )

  it.effect("4-byte characters round-trip in stream ids, types and payloads", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const streamId = `🎻-${crypto.randomUUID()}-𝄞`
      const data = { text: "a😀b 𝄞 Zoë", nested: { emoji: ["🎉"] } }
      yield* store.append(streamId, [{ type: "Played🎵", data }])
      const [event] = yield* store.readStream(streamId)
      assert.strictEqual(event?.streamId, streamId)
      assert.strictEqual(event?.type, "Played🎵")
      assert.deepStrictEqual(event?.data, data)
    })
  )
})
