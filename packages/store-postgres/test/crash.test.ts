/**
 * Crash safety with real processes: a writer is SIGKILLed at random moments (often inside an open
 * append transaction); afterwards every append is either wholly stored or absent.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { PgDatabase } from "../src/index.js"
import { mode, storeLayer, url } from "./testDatabase.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const tsx = `${packageDir}node_modules/.bin/tsx`

const startWriter = (schema: string, writer: string) =>
  Effect.promise(async () => {
    const child: ChildProcess = spawn(tsx, ["--conditions=@cello/source", "test/fixtures/crashWriter.ts"], {
      cwd: packageDir,
      env: { ...process.env, CELLO_DATABASE_URL: url, CELLO_TEST_SCHEMA: schema, CELLO_TEST_WRITER: writer },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let committed = 0
    let ready = false
    child.stdout?.on("data", (chunk: Buffer) => {
      const text = String(chunk)
      if (text.includes("ready")) ready = true
      committed += text.split("committed").length - 1
    })
    // Up to a minute: tsx compiles the store's sources first, slow beside CI's other suites on 2 cores.
    for (let i = 0; i < 1200 && !ready; i++) await new Promise((r) => setTimeout(r, 50))
    if (!ready) throw new Error("crash writer did not start")
    return { child, committed: () => committed }
  })

const kill = (child: ChildProcess) =>
  Effect.promise(async () => {
    const exited = once(child, "exit")
    child.kill("SIGKILL")
    await exited
  })

layer(storeLayer("crash"), { excludeTestServices: true, timeout: "300 seconds" })(
  "PostgreSQL crash safety",
  (it) => {
    it.effect(
      "a writer killed mid-append leaves each append whole or absent",
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const { config } = yield* PgDatabase.PgDatabase
          // The writers are other processes: they need a server (PGlite serves this process alone).
          if (mode !== "postgres")
            return yield* Effect.logWarning("crash test needs a real PostgreSQL server; ran nothing")
          let kills = 0
          let committedSeen = 0
          for (let round = 0; round < 6; round++) {
            const writer = yield* startWriter(config.schema, `w${round}`)
            yield* Effect.sleep(`${150 + Math.floor(Math.random() * 400)} millis`)
            yield* kill(writer.child)
            kills++
            committedSeen += writer.committed()
          }
          const parts = yield* sql.unsafe<{ writer: string; batch: number; n: number }>(
            `SELECT data->>'writer' AS writer, (data->>'batch')::int AS batch, count(*)::int AS n
           FROM "${config.schema}".events GROUP BY 1, 2`
          )
          assert.strictEqual(kills, 6)
          assert.isAbove(parts.length, 6)
          for (const part of parts) assert.strictEqual(part.n, 5, `batch ${part.batch} of ${part.writer}`)
          // Every batch a writer reported committed is stored (a kill may also land after COMMIT, before the print).
          assert.isAtLeast(parts.length, committedSeen)
          // Stream versions stayed gap-free: 1 to n for a stream of n events.
          const gaps = yield* sql.unsafe<{ stream_id: string }>(
            `SELECT stream_id FROM "${config.schema}".events
           GROUP BY stream_id HAVING count(*) <> max(stream_version) OR min(stream_version) <> 1`
          )
          assert.deepStrictEqual(gaps, [])
        }),
      300_000
    )
  }
)
