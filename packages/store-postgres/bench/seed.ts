/**
 * The catch-up scenarios' data: the same events on both sides, in appends of `fill` per stream
 * (raw: one multi-row INSERT a stream; Cello: `EventStore.append`), then VACUUM ANALYZE. Not timed.
 */
import { randomUUID } from "node:crypto"
import { EventStore, type NewEvent } from "@cello/eventsourcing"
import { Effect, type ManagedRuntime } from "effect"
import type pg from "pg"
import { admin, qualified } from "./harness.js"

export interface Orders {
  readonly streams: number
  readonly fill: number
  readonly payload: (n: number) => unknown
  readonly typeOf: (n: number) => string
}

export const seedOrders = async <E>(
  pool: pg.Pool,
  runtime: ManagedRuntime.ManagedRuntime<EventStore.EventStore, E>,
  schemas: { readonly raw: string; readonly cello: string },
  { streams, fill, payload, typeOf }: Orders
): Promise<void> => {
  const events = qualified(schemas.raw, "events")
  for (let s = 0; s < streams; s++) {
    const values: Array<string | number> = []
    const rows: Array<string> = []
    for (let i = 0; i < fill; i++) {
      const n = s * fill + i
      const p = values.length
      rows.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`)
      values.push(`order-stream-${s}`, i + 1, randomUUID(), typeOf(n), JSON.stringify(payload(n)), "{}")
    }
    await pool.query(
      `INSERT INTO ${events} (stream_id, stream_version, event_id, type, data, metadata) VALUES ${rows.join(", ")}`,
      values
    )
  }
  await runtime.runPromise(
    Effect.forEach(
      Array.from({ length: streams }, (_, s) => s),
      (s) => {
        const batch: Array<NewEvent> = []
        for (let i = 0; i < fill; i++) batch.push({ type: typeOf(s * fill + i), data: payload(s * fill + i) })
        return EventStore.append(`order-stream-${s}`, batch, { expectedVersion: "no_stream" })
      },
      { concurrency: 4, discard: true }
    )
  )
  await admin(`VACUUM ANALYZE ${events}`)
  await admin(`VACUUM ANALYZE ${qualified(schemas.cello, "events")}`)
}
