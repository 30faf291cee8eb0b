/**
 * Both examples end to end on PostgreSQL: the demo runs with `CELLO_DATABASE_URL` on a fresh schema
 * (dropped afterwards), and keeps every account, order, saga and stock level across a restart.
 * Where no PostgreSQL answers (or with CELLO_TEST_PGLITE=1), the demo runs on embedded PGlite in a
 * temporary folder instead (`CELLO_DEMO_EMBEDDED`), and the run says so.
 */

import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { reachable } from "@cello/tooling/net"
import { PgClient } from "@effect/sql-pg"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Client, client, type Demo, startDemo } from "./support/demo.js"
import { hostileInputSuite } from "./support/hostileInput.js"
import {
  badInputSuite,
  bankSuite,
  type LogProbe,
  logPosition,
  restartSuite,
  shopSuite
} from "./support/scenarios.js"

const configured = process.env.CELLO_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

const mode: "postgres" | "pglite" =
  process.env.CELLO_TEST_PGLITE !== "1" && (await reachable(configured, 5432)) ? "postgres" : "pglite"
if (mode === "pglite")
  console.warn(`demo tests: no PostgreSQL at ${new URL(configured).host}; using embedded PGlite`)

const schema = `cello_demo_test_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`
const dataDir = mode === "pglite" ? mkdtempSync(join(tmpdir(), "cello-demo-")) : ""
const env: Record<string, string> =
  mode === "postgres"
    ? { CELLO_DATABASE_URL: configured, CELLO_DATABASE_SCHEMA: schema, CELLO_DEMO_EMBEDDED: "" }
    : { CELLO_DATABASE_URL: "", CELLO_DEMO_EMBEDDED: dataDir }

let demo: Demo
let api: Client

// The log's head on PostgreSQL waits for every older transaction on the server (other packages'
// tests hold some), so "nothing written" counts the committed events of this schema instead.
const database = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(configured) }))
const committedEvents: LogProbe = () =>
  database.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.unsafe<{ readonly n: string }>(`SELECT count(*)::text AS n FROM "${schema}".events`)
    ).pipe(Effect.map((rows) => Number(rows[0]?.n ?? Number.NaN)))
  )
const logSize = mode === "postgres" ? committedEvents : logPosition

/** The stats without the log's head, which may lag (above); `logSize` stands for it. */
const withoutHead = (stats: unknown): unknown => {
  if (typeof stats !== "object" || stats === null) return stats
  const { event_log_position: _, ...rest } = Object.fromEntries(Object.entries(stats))
  return rest
}

beforeAll(async () => {
  demo = await startDemo(env)
  api = client(demo.url)
}, 120_000)

afterAll(async () => {
  await demo.stop()
  if (mode === "pglite") rmSync(dataDir, { recursive: true, force: true })
  else
    await database.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
    )
  await database.dispose()
}, 60_000)

describe(`the demo on ${mode === "postgres" ? "PostgreSQL" : "PGlite"}`, () => {
  it("runs on the database store", async () => {
    expect((await api.get("/events/stats")).body).toMatchObject({ store_type: mode })
    expect((await api.get("/health")).body).toMatchObject({ status: "ok" })
  })

  // The test's own connection reaches a server, not the demo's embedded PGlite: on PostgreSQL only.
  if (mode === "postgres")
    it("declares the read models' indexes at start-up", async () => {
      const names = await database.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql.unsafe<{ readonly name: string }>(
            `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'read_models\\_%' ORDER BY 1`,
            [schema]
          )
        )
      )
      expect(names.map((row) => row.name)).toEqual(
        expect.arrayContaining(
          ["account_id", "created_at", "opened_at", "position", "status"].map(
            (field) => `read_models_${field}`
          )
        )
      )
    })

  bankSuite(() => api, logSize)
  shopSuite(() => api, logSize)
  badInputSuite(() => api, logSize)
  hostileInputSuite(() => api, logSize)

  restartSuite(
    () => api,
    async () => {
      await demo.stop()
      demo = await startDemo(env)
      api = client(demo.url)
      return api
    },
    async (api) => ({ stats: withoutHead((await api.get("/events/stats")).body), events: await logSize(api) })
  )
})
