import { CheckpointStore, Projection, ProjectionRunner } from "@cello/eventsourcing"
import { PgStore } from "@cello/store-postgres"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import {
  admin,
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

const total = 200_000
const page = 500
/** Events per append while filling the log. */
const fill = 1_000
const streams = total / fill
const timing: Timing = { warmupMs: 1_000, durationMs: 8_000, rounds: 2, concurrency: 1 }
const cpuRounds = 3

class OrderPlaced extends Schema.TaggedClass<OrderPlaced>()("OrderPlaced", {
  orderId: Schema.String,
  line: Schema.Number
}) {}
class OrderLineAdded extends Schema.TaggedClass<OrderLineAdded>()("OrderLineAdded", {
  orderId: Schema.String,
  line: Schema.Number,
  sku: Schema.String,
  quantity: Schema.Number
}) {}

const payload = (n: number) =>
  n % 10 === 0
    ? { orderId: `order-${Math.floor(n / 10)}`, line: 0 }
    : { orderId: `order-${Math.floor(n / 10)}`, line: n % 10, sku: `sku-${n % 977}`, quantity: (n % 5) + 1 }

const typeOf = (n: number): string => (n % 10 === 0 ? "OrderPlaced" : "OrderLineAdded")

/** What both sides fold: orders placed and items ordered (checked against the expected totals). */
interface Totals {
  orders: number
  items: number
}
const expected: Totals = { orders: 0, items: 0 }
for (let n = 0; n < total; n++)
  if (n % 10 === 0) expected.orders++
  else expected.items += (n % 5) + 1

interface RawRow {
  readonly position: string
  readonly type: string
  readonly data: { readonly quantity?: number }
}

export const run = async (): Promise<ScenarioResult> => {
  const warnings: Array<string> = []
  const rawSchema = freshSchema("proj_raw")
  const celloSchema = freshSchema("proj_cello")
  await createRawSchema(rawSchema)
  await admin(`CREATE TABLE ${qualified(rawSchema, "checkpoints")} (name text PRIMARY KEY, position bigint)`)
  await admin(`INSERT INTO ${qualified(rawSchema, "checkpoints")} VALUES ('totals', 0)`)
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

    const check = (who: string, totals: Totals, read: number) => {
      if (read !== total || totals.orders !== expected.orders || totals.items !== expected.items)
        warnings.push(`${who} catch-up read ${read} events into ${JSON.stringify(totals)}`)
    }
    const events = qualified(rawSchema, "events")
    // pg returns bigint columns as strings.
    const select = `SELECT position, event_id, stream_id, stream_version, type, data, metadata
      FROM ${events} WHERE position > $1 ORDER BY position LIMIT ${page}`
    const save = `UPDATE ${qualified(rawSchema, "checkpoints")} SET position = $1 WHERE name = 'totals'`
    const rawCatchUp = async () => {
      const totals: Totals = { orders: 0, items: 0 }
      let from = "0"
      let read = 0
      for (;;) {
        const rows = (await pool.query<RawRow>(select, [from])).rows
        for (const row of rows)
          if (row.type === "OrderPlaced") totals.orders++
          else totals.items += row.data.quantity ?? 0
        read += rows.length
        const last = rows.at(-1)
        if (last !== undefined) {
          from = last.position
          await pool.query(save, [from])
        }
        if (rows.length < page) break
      }
      check("raw", totals, read)
      return read
    }
    const celloCatchUp = () =>
      Effect.gen(function* () {
        const totals: Totals = { orders: 0, items: 0 }
        // The read model is in memory, as raw's: no transaction around a page (raw has none either).
        const projection = Projection.make({
          name: "totals",
          transactional: false,
          events: [OrderPlaced, OrderLineAdded],
          handlers: {
            OrderPlaced: () =>
              Effect.sync(() => {
                totals.orders++
              }),
            OrderLineAdded: (e) =>
              Effect.sync(() => {
                totals.items += e.quantity
              })
          }
        })
        yield* CheckpointStore.CheckpointStore.use((store) => store.reset(projection.name))
        const progress = yield* ProjectionRunner.catchUp(projection, { batchSize: page })
        check("Cello", totals, progress.processed)
        return progress.processed
      })
    const result = await compare(timing, promiseRunner(rawCatchUp), effectRunner(runtime, celloCatchUp))
    // Node CPU per page, whole catch-ups taking turns: the machine's load shows less here than in time.
    const cpu = { raw: 0, cello: 0 }
    for (let round = 0; round < cpuRounds; round++) {
      let before = process.cpuUsage()
      await rawCatchUp()
      let used = process.cpuUsage(before)
      cpu.raw += used.user + used.system
      before = process.cpuUsage()
      await runtime.runPromise(celloCatchUp())
      used = process.cpuUsage(before)
      cpu.cello += used.user + used.system
    }
    const perPage = (micros: number) => (micros / cpuRounds / (total / page)).toFixed(0)
    const cpuNote = `Node CPU per page of ${page} in catch-up 4b (\`process.cpuUsage\`, ${cpuRounds} catch-ups a side, taking turns): Cello ${perPage(cpu.cello)} µs, raw ${perPage(cpu.raw)} µs (${(cpu.cello / cpu.raw).toFixed(2)}×). Statements a page: raw SELECT + UPDATE; Cello SELECT + checkpoint upsert (\`transactional: false\`: the read model is in memory).`
    return {
      rows: [
        {
          scenario: `4b. ProjectionRunner.catchUp, ${total.toLocaleString("en-US")} events, pages of ${page}`,
          unit: "events/s",
          cello: perSecond(result.cello),
          raw: perSecond(result.raw),
          target: 0.7
        }
      ],
      notes: [cpuNote, ...[...new Set(warnings)].map((w) => `WARNING: ${w}`)]
    }
  } finally {
    await runtime.dispose()
    await pool.end()
    await dropSchema(rawSchema)
    await dropSchema(celloSchema)
  }
}
