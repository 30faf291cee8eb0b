/**
 * `pnpm bench`: each scenario through Cello and through raw `mysql2` doing the same work in the same
 * run, as ratios. Appends: raw sends the same transaction (BEGIN; CALL cello_append; COMMIT), and,
 * for reference, a bare INSERT into an AUTO_INCREMENT table (what a store that may skip events would
 * do). Catch-up: `readAll` in pages of 1,000 against a raw `SELECT ... WHERE position > ? ORDER BY
 * position LIMIT 1000` with the payloads parsed, each after a warm-up pass. CELLO_BENCH_SECONDS (4) per append scenario,
 * CELLO_BENCH_EVENTS (20,000) for the catch-up.
 */
import { EventStore } from "@cello/eventsourcing"
import { ManagedRuntime } from "effect"
import { createPool } from "mysql2/promise"
import { MysqlStore } from "../src/index.js"

const url = new URL(process.env.CELLO_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test")
const seconds = Number(process.env.CELLO_BENCH_SECONDS ?? 4)
const catchUpEvents = Number(process.env.CELLO_BENCH_EVENTS ?? 20_000)
const database = `cello_bench_${Date.now().toString(36)}`
const payload = { amount: 1, note: "x".repeat(100) }

/** Runs `writers` loops of `op` for the bench time; returns operations per second. */
const rate = async (writers: number, op: (writer: number, i: number) => Promise<unknown>) => {
  const end = Date.now() + seconds * 1000
  let count = 0
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++) {
        await op(w, i)
        count++
      }
    })
  )
  return count / seconds
}

const pool = createPool({
  host: url.hostname,
  port: Number(url.port || 3306),
  user: url.username || "root",
  password: url.password,
  connectionLimit: 8,
  charset: "utf8mb4_bin",
  supportBigNumbers: true,
  bigNumberStrings: true
})
const q = (table: string) => `\`${database}\`.${table}`

const rawAppend = (stream: string, size: number) => async () => {
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
    await c.query(`CALL ${q("cello_append")}(?, -1, ?, ?)`, [stream, size, batch])
    await c.query("COMMIT")
  } finally {
    c.release()
  }
}

const bareInsert = (stream: string, size: number, version: number) =>
  pool.query(
    `INSERT INTO ${q("raw_events")} (event_id, stream_id, stream_version, data) VALUES ${Array.from({ length: size }, () => "(UUID(), ?, ?, ?)").join(", ")}`,
    Array.from({ length: size }, (_, k) => [stream, version + k, JSON.stringify(payload)]).flat()
  )

const rows: Array<readonly [string, string, number, number, string]> = []
const report = (scenario: string, unit: string, cello: number, raw: number, bare?: number) => {
  rows.push([
    scenario,
    unit,
    Math.round(cello),
    Math.round(raw),
    `${(cello / raw).toFixed(2)}×${bare === undefined ? "" : ` (bare INSERT ${Math.round(bare)}: ${(cello / bare).toFixed(2)}×)`}`
  ])
  console.log(
    `${scenario}: cello ${Math.round(cello)} ${unit}, raw ${Math.round(raw)} → ${(cello / raw).toFixed(2)}×${bare === undefined ? "" : `; bare INSERT ${Math.round(bare)} → ${(cello / bare).toFixed(2)}×`}`
  )
}

const main = async () => {
  const store = ManagedRuntime.make(MysqlStore.layer({ url: url.toString(), database, poolSize: 8 }))
  const append = (stream: string, size: number) =>
    store.runPromise(
      EventStore.EventStore.use((s) =>
        s.append(
          stream,
          Array.from({ length: size }, () => ({ type: "Ping", data: payload }))
        )
      )
    )
  await store.runPromise(EventStore.EventStore.use((s) => s.head))
  await pool.query(`CREATE TABLE ${q("raw_events")} (
    position BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, event_id CHAR(36) NOT NULL UNIQUE,
    stream_id VARBINARY(1024) NOT NULL, stream_version BIGINT UNSIGNED NOT NULL, data LONGTEXT NOT NULL,
    UNIQUE KEY (stream_id, stream_version)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`)

  for (const [writers, size] of [
    [8, 1],
    [4, 100]
  ] as const) {
    const versions = new Map<string, number>()
    const cello = await rate(writers, (w, i) => append(`c-${size}-${w}-${i % 20}`, size))
    const raw = await rate(writers, (w, i) => rawAppend(`r-${size}-${w}-${i % 20}`, size)())
    const bare = await rate(writers, (w, i) => {
      const stream = `b-${size}-${w}-${i % 20}`
      const version = (versions.get(stream) ?? 0) + 1
      versions.set(stream, version + size - 1)
      return bareInsert(stream, size, version)
    })
    report(`${size}-event append, ${writers} writers`, "events/s", cello * size, raw * size, bare * size)
  }

  // Catch-up: a log of `catchUpEvents` events after the ones above, read from the start of it.
  const start = await store.runPromise(EventStore.EventStore.use((s) => s.head))
  for (let n = 0; n < catchUpEvents; n += 100) await append(`catch-${n % 50}`, 100)
  const celloCatchUp = async () => {
    const started = performance.now()
    let cursor = start
    for (let read = 0; read < catchUpEvents; ) {
      const page = await store.runPromise(
        EventStore.EventStore.use((s) => s.readAll({ from: cursor, limit: 1000 }))
      )
      if (page.length === 0) break
      read += page.length
      cursor = page.at(-1)?.checkpoint ?? cursor
    }
    return catchUpEvents / ((performance.now() - started) / 1000)
  }
  const rawCatchUp = async () => {
    const started = performance.now()
    let position = start.position.toString()
    for (let read = 0; read < catchUpEvents; ) {
      const [page] = await pool.query(
        `SELECT position, event_id, stream_id, stream_version, type, schema_version, data, metadata, created_at FROM ${q("events")} WHERE position > ? ORDER BY position LIMIT 1000`,
        [position]
      )
      if (!Array.isArray(page) || page.length === 0) break
      for (const row of page) {
        JSON.parse(String(Reflect.get(row, "data")))
        JSON.parse(String(Reflect.get(row, "metadata")))
      }
      read += page.length
      position = String(Reflect.get(page.at(-1) ?? {}, "position"))
    }
    return catchUpEvents / ((performance.now() - started) / 1000)
  }
  // One pass each to warm up (JIT, connections), then the measured ones.
  await celloCatchUp()
  await rawCatchUp()
  const celloRate = await celloCatchUp()
  const rawRate = await rawCatchUp()
  report(`readAll catch-up, ${catchUpEvents} events in pages of 1,000`, "events/s", celloRate, rawRate)

  console.log("\n| Scenario | Unit | Cello | raw mysql2 | Cello/raw |\n| --- | --- | ---: | ---: | --- |")
  for (const [scenario, unit, cello, raw, ratio] of rows)
    console.log(`| ${scenario} | ${unit} | ${cello} | ${raw} | ${ratio} |`)
  await store.dispose()
  await pool.query(`DROP DATABASE \`${database}\``)
  await pool.end()
}

main()
