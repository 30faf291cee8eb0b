/**
 * Catch-up reading of the global log: 50,000 events (appends of 1,000 to 50 streams), read from the
 * start in pages of 1,000, repeated for the time box. Cello: `EventStore.readAll({ from, limit })`
 * from the last envelope's checkpoint; raw: `SELECT … WHERE position > ? ORDER BY position LIMIT 1000`
 * on the same table through a pool set up as the store's, with each payload and metadata parsed;
 * rows as objects, mysql2's default. Cello reads rows as arrays (`runValues`), so a second raw reader
 * doing that too is reported beside, without a target.
 */
import { Checkpoint, EventStore } from "@cello/eventsourcing"
import { Effect, ManagedRuntime } from "effect"
import { MysqlStore } from "../src/index.js"
import {
  effectRunner,
  freshDatabase,
  interleave,
  perSecond,
  poolSize,
  promiseRunner,
  rawPool,
  type ScenarioResult,
  selectRows,
  type Timing,
  url
} from "./harness.js"

const total = 50_000
const page = 1_000
const fill = 1_000
const timing: Timing = { warmupMs: 1_000, durationMs: 6_000, rounds: 3, concurrency: 1 }

const payload = (n: number) => ({
  orderId: `order-${Math.floor(n / 10)}`,
  line: n % 10,
  sku: `sku-${n % 977}`,
  quantity: (n % 5) + 1,
  price: { amount: ((n * 37) % 10_000) / 100, currency: "EUR" }
})

interface RawRow {
  readonly position: string
  readonly data: string
  readonly metadata: string
}

export const run = async (): Promise<ScenarioResult> => {
  const warnings = new Set<string>()
  const database = freshDatabase("catchup")
  const pool = rawPool()
  const runtime = ManagedRuntime.make(MysqlStore.layer({ url: url.toString(), database, poolSize }))
  try {
    await runtime.runPromise(
      Effect.forEach(
        Array.from({ length: total / fill }, (_, s) => s),
        (s) =>
          EventStore.append(
            `order-stream-${s}`,
            Array.from({ length: fill }, (_, i) => ({
              type: i % 10 === 0 ? "OrderPlaced" : "OrderLineAdded",
              data: payload(s * fill + i)
            }))
          ),
        { discard: true }
      )
    )
    await pool.query(`ANALYZE TABLE \`${database}\`.events`)
    const text = `SELECT position, event_id, stream_id, stream_version, type, schema_version, data, metadata, created_at
      FROM \`${database}\`.events WHERE position > ? ORDER BY position LIMIT ${page}`
    const raw = promiseRunner(async () => {
      let from = "0"
      let read = 0
      for (;;) {
        const rows = await selectRows<RawRow>(pool, text, [from])
        for (const row of rows) {
          JSON.parse(row.data)
          JSON.parse(row.metadata)
        }
        read += rows.length
        const last = rows.at(-1)
        if (last === undefined || rows.length < page) break
        from = last.position
      }
      if (read !== total) warnings.add(`raw catch-up read ${read} events, not ${total}`)
      return read
    })
    const rawArrays = promiseRunner(async () => {
      let from = "0"
      let read = 0
      for (;;) {
        const [result] = await pool.query({ sql: text, rowsAsArray: true }, [from])
        const rows: ReadonlyArray<unknown> = Array.isArray(result) ? result : []
        let last: unknown
        for (const row of rows) {
          if (!Array.isArray(row)) continue
          JSON.parse(String(row[6]))
          JSON.parse(String(row[7]))
          last = row[0]
        }
        read += rows.length
        if (last === undefined || rows.length < page) break
        from = String(last)
      }
      if (read !== total) warnings.add(`raw (arrays) catch-up read ${read} events, not ${total}`)
      return read
    })
    const cello = effectRunner(runtime, () =>
      Effect.gen(function* () {
        let from = Checkpoint.start
        let read = 0
        for (;;) {
          const envelopes = yield* EventStore.readAll({ from, limit: page })
          read += envelopes.length
          const last = envelopes.at(-1)
          if (last === undefined || envelopes.length < page) break
          from = last.checkpoint
        }
        if (read !== total) warnings.add(`Cello catch-up read ${read} events, not ${total}`)
        return read
      })
    )
    const [r, c, a] = await interleave(timing, [raw, cello, rawArrays])
    if (r === undefined || c === undefined || a === undefined) throw new Error("interleave lost a runner")
    return {
      rows: [
        {
          scenario: `readAll catch-up, ${total.toLocaleString("en-US")} events in pages of ${page.toLocaleString("en-US")}`,
          unit: "events/s",
          cello: perSecond(c),
          raw: perSecond(r),
          target: 0.5
        }
      ],
      notes: [
        `Catch-up against raw mysql2 reading rows as arrays (rowsAsArray), as Cello does: ${Math.round(perSecond(a))} events/s, Cello/raw ${(perSecond(c) / perSecond(a)).toFixed(2)}×.`,
        ...[...warnings].map((w) => `WARNING: ${w}`)
      ]
    }
  } finally {
    await runtime.dispose()
    await pool.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await pool.end()
  }
}
