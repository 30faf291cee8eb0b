/**
 * What commit-order position assignment costs: single-event appends by 8 writers for a few seconds
 * each, through Cello, and through raw `mysql2` with (a) the same serialised scheme (BEGIN; bump the
 * counter; read the stream's version; INSERT; COMMIT) and (b) a bare AUTO_INCREMENT INSERT (the
 * scheme that loses events under `position > last`), and (c) the same CALL of `cello_append` Cello
 * sends. `pnpm bench:order` (CELLO_BENCH_SECONDS, 5; CELLO_BENCH_WRITERS, 8).
 */
import { EventStore } from "@cello/eventsourcing"
import { ManagedRuntime } from "effect"
import { createPool } from "mysql2/promise"
import { MysqlStore } from "../src/index.js"

const url = new URL(process.env.CELLO_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test")
const seconds = Number(process.env.CELLO_BENCH_SECONDS ?? 5)
const writers = Number(process.env.CELLO_BENCH_WRITERS ?? 8)
const database = `cello_bench_${Date.now().toString(36)}`

const timed = async (label: string, append: (writer: number, i: number) => Promise<unknown>) => {
  const end = Date.now() + seconds * 1000
  let count = 0
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++) {
        await append(w, i)
        count++
      }
    })
  )
  const rate = count / seconds
  console.log(`${label}: ${Math.round(rate)} appends/s`)
  return rate
}

const pool = createPool({
  host: url.hostname,
  port: Number(url.port || 3306),
  user: url.username || "root",
  password: url.password,
  connectionLimit: writers,
  charset: "utf8mb4_bin"
})

const main = async () => {
  const layer = MysqlStore.layer({
    url: url.toString(),
    database,
    poolSize: Number(process.env.CELLO_BENCH_POOL ?? writers)
  })
  const managed = ManagedRuntime.make(layer)
  const payload = { amount: 1, note: "x".repeat(100) }
  const cello = await timed("cello (commit-order positions)", (w, i) =>
    managed.runPromise(
      EventStore.EventStore.use((s) => s.append(`s-${w}-${i % 20}`, [{ type: "Ping", data: payload }]))
    )
  )
  await pool.query(`CREATE TABLE \`${database}\`.raw_events (
    position BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, event_id CHAR(36) NOT NULL UNIQUE,
    stream_id VARBINARY(1024) NOT NULL, stream_version BIGINT UNSIGNED NOT NULL, data LONGTEXT NOT NULL,
    UNIQUE KEY (stream_id, stream_version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`)
  const serialised = await timed("raw mysql2, same serialised scheme", async (w, i) => {
    const c = await pool.getConnection()
    try {
      await c.query("START TRANSACTION")
      const [r] = await c.query(
        `UPDATE \`${database}\`.positions SET last = LAST_INSERT_ID(last + 1) WHERE id = 1`
      )
      const position = Number(Reflect.get(r, "insertId"))
      const [rows] = await c.query(
        `SELECT COALESCE(MAX(stream_version), 0) AS v FROM \`${database}\`.events WHERE stream_id = ? LOCK IN SHARE MODE`,
        [`r-${w}-${i % 20}`]
      )
      const version = Array.isArray(rows) ? Number(Reflect.get(rows[0] ?? {}, "v")) : 0
      await c.query(
        `INSERT INTO \`${database}\`.events (position, event_id, stream_id, stream_version, type, schema_version, data, metadata, created_at) VALUES (?, UUID(), ?, ?, 'Ping', 1, ?, '{}', UTC_TIMESTAMP(6))`,
        [position, `r-${w}-${i % 20}`, version + 1, JSON.stringify(payload)]
      )
      await c.query("COMMIT")
    } finally {
      c.release()
    }
  })
  const procedure = await timed("raw mysql2, BEGIN; CALL cello_append; COMMIT", async (w, i) => {
    const c = await pool.getConnection()
    try {
      await c.query("START TRANSACTION")
      const batch = JSON.stringify([
        { i: crypto.randomUUID(), t: "Ping", v: 1, d: JSON.stringify(payload), m: "{}" }
      ])
      await c.query(`CALL \`${database}\`.cello_append(?, -1, 1, ?)`, [`p-${w}-${i % 20}`, batch])
      await c.query("COMMIT")
    } finally {
      c.release()
    }
  })
  const versions = new Map<string, number>()
  const autoIncrement = await timed("raw mysql2, AUTO_INCREMENT INSERT (skips under > last)", (w, i) => {
    const stream = `a-${w}-${i % 20}`
    const version = (versions.get(stream) ?? 0) + 1
    versions.set(stream, version)
    return pool.query(
      `INSERT INTO \`${database}\`.raw_events (event_id, stream_id, stream_version, data) VALUES (UUID(), ?, ?, ?)`,
      [stream, version, JSON.stringify(payload)]
    )
  })
  console.log(`cello / raw CALL: ${(cello / procedure).toFixed(2)}x`)
  console.log(
    `cello / serialised raw: ${(cello / serialised).toFixed(2)}x; serialised raw / AUTO_INCREMENT raw: ${(serialised / autoIncrement).toFixed(2)}x; cello / AUTO_INCREMENT raw: ${(cello / autoIncrement).toFixed(2)}x`
  )
  await managed.dispose()
  await pool.query(`DROP DATABASE \`${database}\``)
  await pool.end()
}

main()
