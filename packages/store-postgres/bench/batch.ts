/**
 * Scenario 2: 100-event appends by a few concurrent writers, each on its own streams. Cello:
 * `EventStore.append` of 100 events expecting the last seen version; raw: one multi-row INSERT of
 * 100 rows.
 */
import { randomUUID } from "node:crypto"
import { EventStore, type NewEvent } from "@cello/eventsourcing"
import { PgStore } from "@cello/store-postgres"
import { Effect, Layer, ManagedRuntime } from "effect"
import {
  checkpoint,
  compare,
  createRawSchema,
  dropSchema,
  effectRunner,
  freshSchema,
  perSecond,
  poolSize,
  promiseRunner,
  qualified,
  quietLogs,
  rawPool,
  type ScenarioResult,
  type Timing,
  url
} from "./harness.js"

const writers = 8
const batchSize = 100
const streamsPerWriter = 4
const timing: Timing = { warmupMs: 1_000, durationMs: 5_000, rounds: 4, concurrency: writers }

const payload = (n: number) => ({ orderId: `o-${n}`, sku: `sku-${n % 977}`, quantity: (n % 5) + 1 })

/** Each writer's streams and the version it last saw of each. */
const writerState = () =>
  Array.from({ length: writers }, (_, w) => ({
    next: 0,
    versions: Array.from({ length: streamsPerWriter }, () => 0),
    streamId: (slot: number) => `cart-w${w}-s${slot}`
  }))

export const run = async (): Promise<ScenarioResult> => {
  const rawSchema = freshSchema("batch_raw")
  const celloSchema = freshSchema("batch_cello")
  await createRawSchema(rawSchema)
  const pool = rawPool()
  const runtime = ManagedRuntime.make(
    PgStore.layer({ url, schema: celloSchema, poolSize }).pipe(Layer.provideMerge(quietLogs))
  )
  try {
    await runtime.context()
    const placeholders = Array.from({ length: batchSize }, (_, i) => {
      const p = i * 6
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`
    }).join(", ")
    const text = `INSERT INTO ${qualified(rawSchema, "events")} (stream_id, stream_version, event_id, type, data, metadata)
      VALUES ${placeholders} RETURNING position`
    const rawWriters = writerState()
    const celloWriters = writerState()
    let n = 0
    const raw = promiseRunner(async (worker) => {
      const writer = rawWriters[worker]
      if (writer === undefined) return 0
      const slot = writer.next
      writer.next = (slot + 1) % streamsPerWriter
      const streamId = writer.streamId(slot)
      const version = writer.versions[slot] ?? 0
      const values: Array<string | number> = []
      for (let i = 1; i <= batchSize; i++)
        values.push(streamId, version + i, randomUUID(), "ItemAdded", JSON.stringify(payload(n++)), "{}")
      await pool.query(text, values)
      writer.versions[slot] = version + batchSize
      return batchSize
    })
    const cello = effectRunner(runtime, (worker) =>
      Effect.gen(function* () {
        const writer = celloWriters[worker]
        if (writer === undefined) return 0
        const slot = writer.next
        writer.next = (slot + 1) % streamsPerWriter
        const events: Array<NewEvent> = []
        for (let i = 0; i < batchSize; i++) events.push({ type: "ItemAdded", data: payload(n++) })
        const appended = yield* EventStore.append(writer.streamId(slot), events, {
          expectedVersion: writer.versions[slot] ?? 0
        })
        writer.versions[slot] = appended.nextExpectedVersion
        return appended.events.length
      })
    )
    const result = await compare(timing, raw, cello, checkpoint)
    return {
      rows: [
        {
          scenario: `2. ${batchSize}-event append, ${writers} writers`,
          unit: "events/s",
          cello: perSecond(result.cello),
          raw: perSecond(result.raw),
          target: 0.8
        }
      ],
      notes: []
    }
  } finally {
    await runtime.dispose()
    await pool.end()
    await dropSchema(rawSchema)
    await dropSchema(celloSchema)
  }
}
