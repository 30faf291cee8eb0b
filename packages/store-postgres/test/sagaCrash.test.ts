/**
 * Saga crash recovery with real processes on the real database: a process running sagas is SIGKILLed
 * at random moments (inside steps, between a step and its log write, during recovery) 50 times; each
 * next process recovers what the previous one left. Then two processes recover at once. At the end
 * every saga is completed or compensated, no step whose completion was logged ran again, and no saga
 * was run by both recovering processes.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { SagaConfig, SagaOrchestrator } from "@cello/saga"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { PgDatabase } from "../src/index.js"
import { crashSaga, sideEffectTables } from "./fixtures/crashSaga.js"
import { mode, storeLayer, url } from "./testDatabase.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const kills = 50

/**
 * The runner's sources (and the packages' sources, by the "@cello/source" condition) bundled once
 * with esbuild, so each of the many processes starts in a fraction of tsx's start-up time.
 */
const bundle = (): string => {
  const outfile = join(mkdtempSync(join(tmpdir(), "cello-saga-crash-")), "runner.mjs")
  execFileSync(
    `${packageDir}node_modules/.bin/esbuild`,
    [
      "test/fixtures/sagaCrashRunner.ts",
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--conditions=@cello/source",
      "--log-level=warning",
      `--outfile=${outfile}`,
      "--banner:js=import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
    ],
    { cwd: packageDir }
  )
  return outfile
}

const spawnRunner = (runner: string, schema: string, owner: string, runMode: "run" | "recover") => {
  const child: ChildProcess = spawn(process.execPath, [runner], {
    cwd: packageDir,
    env: {
      ...process.env,
      CELLO_DATABASE_URL: url,
      CELLO_TEST_SCHEMA: schema,
      CELLO_TEST_OWNER: owner,
      CELLO_TEST_MODE: runMode
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += String(chunk)
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += String(chunk)
  })
  return { child, output: () => output }
}

// Generous bounds: they only catch a hang. Beside the other packages' tests on two cores, a process
// can take seconds to start, and the 50 rounds took over two minutes in CI.
const waitFor = (check: () => boolean, what: string) =>
  Effect.promise(async () => {
    for (let i = 0; i < 3000 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
    if (!check()) throw new Error(`timed out waiting for ${what}`)
  })

const waitForRows = <E, R>(count: Effect.Effect<number, E, R>, above: number, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 3000; i++) {
      if ((yield* count) > above) return
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

const kill = (child: ChildProcess) =>
  Effect.promise(async () => {
    if (child.exitCode !== null) return
    const exited = once(child, "exit")
    child.kill("SIGKILL")
    await exited
  })

// PGlite serves one connection: several processes cannot share it, so this needs a real server.
const realServer = mode === "postgres"

layer(storeLayer("saga_crash"), { excludeTestServices: true, timeout: "300 seconds" })(
  "saga crash recovery",
  (it) => {
    it.effect(
      `${kills} kills of a process running sagas, then two processes recovering at once`,
      () =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const { config } = yield* PgDatabase.PgDatabase
          const schema = config.schema
          for (const statement of sideEffectTables(schema)) yield* sql.unsafe(statement)
          if (!realServer) {
            yield* Effect.logWarning(
              "saga crash test needs a real PostgreSQL server (PGlite is single-connection); ran nothing"
            )
            return
          }
          const runner = bundle()
          const sagaCount = sql
            .unsafe<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".sagas`)
            .pipe(Effect.map((rows) => rows[0]?.n ?? 0))
          let killed = 0
          for (let round = 0; round < kills; round++) {
            const before = yield* sagaCount
            const running = spawnRunner(runner, schema, "crash-node", "run")
            yield* waitFor(() => running.output().includes("ready"), "the runner to start")
            // Each process starts at least one saga before it is killed, so every round does work: on
            // a loaded machine "ready" alone can come tens of milliseconds before the first saga.
            yield* waitForRows(sagaCount, before, "the runner's first saga")
            // Half the kills land early (often during the recovery of the previous process's sagas).
            yield* Effect.sleep(
              `${round % 2 === 0 ? Math.floor(Math.random() * 60) : 60 + Math.floor(Math.random() * 300)} millis`
            )
            yield* kill(running.child)
            killed++
          }
          const inFlight =
            (yield* sql.unsafe<{ n: number }>(
              `SELECT count(*)::int AS n FROM "${schema}".sagas WHERE status IN ('running', 'compensating')`
            ))[0]?.n ?? 0

          // Two recovering processes at once, with other owners: the crashed owner's leases expire first.
          yield* sql.unsafe(
            `UPDATE "${schema}".sagas SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE status IN ('running', 'compensating')`
          )
          const marker = (yield* sql.unsafe<{ at: Date }>("SELECT clock_timestamp() AS at"))[0]?.at
          const a = spawnRunner(runner, schema, "recoverer-a", "recover")
          const b = spawnRunner(runner, schema, "recoverer-b", "recover")
          yield* Effect.promise(() => Promise.all([once(a.child, "exit"), once(b.child, "exit")]))
          assert.match(a.output(), /recovered \d+/, a.output())
          assert.match(b.output(), /recovered \d+/, b.output())

          // Whatever is left (nothing, normally) is recovered by this process as the crashed node.
          const saga = crashSaga(schema, "test")
          const final = yield* Effect.gen(function* () {
            return yield* (yield* SagaOrchestrator.SagaOrchestrator).recover
          }).pipe(
            Effect.provide(
              SagaOrchestrator.layer({ owner: "crash-node", sagas: [saga] }).pipe(
                Layer.provide(SagaConfig.layer({ maxRecoveryAttempts: 1000 }))
              )
            )
          )

          const statuses = yield* sql.unsafe<{ status: string; n: number }>(
            `SELECT status, count(*)::int AS n FROM "${schema}".sagas GROUP BY status ORDER BY status`
          )
          const violations = yield* sql.unsafe<{ key: string; kind: string }>(
            `SELECT key, kind FROM "${schema}".saga_violations`
          )
          const bothRecoverers = yield* sql.unsafe<{ key: string }>(
            `SELECT split_part(key, ':', 1) AS key FROM "${schema}".saga_side_effects
           WHERE owner IN ('recoverer-a', 'recoverer-b') AND at >= $1
           GROUP BY 1 HAVING count(DISTINCT owner) > 1`,
            [marker]
          )
          const duplicates =
            (yield* sql.unsafe<{ n: number }>(
              `SELECT count(*)::int AS n FROM (SELECT key, kind FROM "${schema}".saga_side_effects GROUP BY 1, 2 HAVING count(*) > 1) d`
            ))[0]?.n ?? 0
          const incomplete = yield* sql.unsafe<{ id: string }>(
            `SELECT s.id FROM "${schema}".sagas s
           WHERE (s.status = 'completed' AND (SELECT count(DISTINCT key) FROM "${schema}".saga_side_effects e WHERE e.kind = 'act' AND split_part(e.key, ':', 1) = s.id) <> 4)
              OR (s.status = 'compensated' AND (SELECT count(DISTINCT key) FROM "${schema}".saga_side_effects e WHERE e.kind = 'compensate' AND split_part(e.key, ':', 1) = s.id) <> 2)`
          )
          const total = statuses.reduce((sum, s) => sum + s.n, 0)
          yield* Effect.logInfo(
            `saga crash test: ${killed} kills, ${total} sagas ${JSON.stringify(statuses)}, ${inFlight} in flight before the dual recovery, ` +
              `${final.recovered.length} left for the last recovery, ${duplicates} step(s) re-run after a kill before their completion was logged`
          )
          assert.strictEqual(killed, kills)
          assert.deepStrictEqual(
            statuses.filter((s) => s.status !== "completed" && s.status !== "compensated"),
            [],
            "every saga ended completed or compensated"
          )
          assert.deepStrictEqual(violations, [], "a step whose completion was logged ran again")
          assert.deepStrictEqual(bothRecoverers, [], "a saga was run by both recovering processes")
          assert.deepStrictEqual(incomplete, [], "a finished saga is missing a step's side effect")
          // Re-runs only happen to steps a kill interrupted: at most 16 sagas in flight per kill.
          assert.isAtMost(duplicates, kills * 16)
        }),
      300_000
    )
  }
)
