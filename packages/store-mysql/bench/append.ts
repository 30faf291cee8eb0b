/**
 * Appends of 1 and of 100 events by 8 writers, each to one of 20 streams of its own. Raw: the same
 * transaction Cello sends (`START TRANSACTION; CALL cello_append; COMMIT`), the batch built as Cello
 * builds it; and, for reference, a bare INSERT into an AUTO_INCREMENT table, which is what a store
 * that may skip events under `position > last` would send (the price of the counter lock, not of Cello).
 */
import { EventStore } from "@cello/eventsourcing"
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
  type Timing,
  url
} from "./harness.js"

const timing: Timing = { warmupMs: 1_000, durationMs: 6_000, rounds: 3, concurrency: 8 }
const payload = { amount: 1, note: "x".repeat(100) }

export const run = async (): Promise<ScenarioResult> => {
  const database = freshDatabase("append")
  const pool = rawPool()
  const runtime = ManagedRuntime.make(MysqlStore.layer({ url: url.toString(), database, poolSize }))
  const q = (table: string) => `\`${database}\`.${table}`
  try {
    await runtime.context()
    await pool.query(`CREATE TABLE ${q("raw_events")} (
      position BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, event_id CHAR(36) NOT NULL UNIQUE,
      stream_id VARBINARY(1024) NOT NULL, stream_version BIGINT UNSIGNED NOT NULL, data LONGTEXT NOT NULL,
      UNIQUE KEY (stream_id, stream_version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`)
    const rows = []
    for (const size of [1, 100]) {
      const raw = async (w: number, i: number) => {
        const c = await pool.getConnection()
        try {
          await c.query("START TRANSACTION")
          const batch = JSON.stringify(
            Array.from({ length: size }, () => ({
              i: crypto.randomUUID(),
              t: "Ping",
              v: 1,
              d: JSON.stringify(payload),
              m: "{}"
            }))
          )
          await c.query(`CALL ${q("cello_append")}(?, -1, ?, ?)`, [`r-${size}-${w}-${i % 20}`, size, batch])
          await c.query("COMMIT")
        } finally {
          c.release()
        }
        return size
      }
      const versions = new Map<string, number>()
      const bare = async (w: number, i: number) => {
        const stream = `b-${size}-${w}-${i % 20}`
        const version = (versions.get(stream) ?? 0) + 1
        versions.set(stream, version + size - 1)
        await pool.query(
          `INSERT INTO ${q("raw_events")} (event_id, stream_id, stream_version, data) VALUES ${Array.from({ length: size }, () => "(UUID(), ?, ?, ?)").join(", ")}`,
          Array.from({ length: size }, (_, k) => [stream, version + k, JSON.stringify(payload)]).flat()
        )
        return size
      }
      const cello = effectRunner(runtime, (w, i) =>
        EventStore.append(
          `c-${size}-${w}-${i % 20}`,
          Array.from({ length: size }, () => ({ type: "Ping", data: payload }))
        ).pipe(Effect.as(size))
      )
      const [r, c, b] = await interleave(timing, [promiseRunner(raw), cello, promiseRunner(bare)])
      if (r === undefined || c === undefined || b === undefined) throw new Error("interleave lost a runner")
      rows.push({
        scenario: `${size}-event append, ${timing.concurrency} writers`,
        unit: "events/s",
        cello: perSecond(c),
        raw: perSecond(r),
        target: 0.6,
        bare: perSecond(b)
      })
    }
    const reference = rows
      .map(
        (row) =>
          `${row.scenario}: bare INSERT ${Math.round(row.bare)} events/s, Cello/bare ${(row.cello / row.bare).toFixed(2)}×`
      )
      .join("; ")
    return {
      rows,
      notes: [`Without the counter lock (a bare AUTO_INCREMENT INSERT, which may skip events): ${reference}.`]
    }
  } finally {
    await runtime.dispose()
    await pool.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await pool.end()
  }
}
