import { Checkpoint, EventStore } from "@cello/eventsourcing"
import { PgStore } from "@cello/store-postgres"
import { Effect, Layer, ManagedRuntime } from "effect"
import {
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
import { seedOrders } from "./seed.js"

const total = 50_000
const page = 1_000
/** Events per append while filling the log. */
const fill = 1_000
const streams = total / fill
const timing: Timing = { warmupMs: 1_000, durationMs: 6_000, rounds: 3, concurrency: 1 }

const payload = (n: number) => ({
  orderId: `order-${Math.floor(n / 10)}`,
  line: n % 10,
  sku: `sku-${n % 977}`,
  quantity: (n % 5) + 1,
  price: { amount: ((n * 37) % 10_000) / 100, currency: "EUR" }
})

const typeOf = (n: number): string => (n % 10 === 0 ? "OrderPlaced" : "OrderLineAdded")

interface RawRow {
  readonly position: string
  readonly event_id: string
  readonly stream_id: string
  readonly stream_version: string
  readonly type: string
  readonly data: unknown
  readonly metadata: unknown
}

export const run = async (): Promise<ScenarioResult> => {
  const warnings: Array<string> = []
  const rawSchema = freshSchema("catchup_raw")
  const celloSchema = freshSchema("catchup_cello")
  await createRawSchema(rawSchema)
  const pool = rawPool()
  const runtime = ManagedRuntime.make(
    PgStore.layer({ url, schema: celloSchema, poolSize }).pipe(Layer.provideMerge(quietLogs))
  )
  try {
    await runtime.context()
    await seedOrders(
      pool,
      runtime,
      { raw: rawSchema, cello: celloSchema },
      { streams, fill, payload, typeOf }
    )

    const events = qualified(rawSchema, "events")
    // pg returns bigint columns as strings.
    const text = `SELECT position, event_id, stream_id, stream_version, type, data, metadata
      FROM ${events} WHERE position > $1 ORDER BY position LIMIT ${page}`
    const raw = promiseRunner(async () => {
      let from = "0"
      let read = 0
      for (;;) {
        const rows = (await pool.query<RawRow>(text, [from])).rows
        read += rows.length
        const last = rows.at(-1)
        if (last === undefined || rows.length < page) break
        from = last.position
      }
      if (read !== total) warnings.push(`raw catch-up read ${read} events, not ${total}`)
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
        if (read !== total) warnings.push(`Cello catch-up read ${read} events, not ${total}`)
        return read
      })
    )
    const result = await compare(timing, raw, cello)
    return {
      rows: [
        {
          scenario: `4. readAll catch-up, ${total.toLocaleString("en-US")} events in pages of ${page.toLocaleString("en-US")}`,
          unit: "events/s",
          cello: perSecond(result.cello),
          raw: perSecond(result.raw),
          target: 0.5
        }
      ],
      notes: [...new Set(warnings)].map((w) => `WARNING: ${w}`)
    }
  } finally {
    await runtime.dispose()
    await pool.end()
    await dropSchema(rawSchema)
    await dropSchema(celloSchema)
  }
}
