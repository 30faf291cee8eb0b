/**
 * Saga crash recovery with real processes on the real database: a process running sagas is SIGKILLed
 * at random moments (inside steps, between a step and its log write, during recovery) 20 times
 * (`CELLO_SAGA_KILLS`); each next process recovers what the previous one left. Then two processes
 * recover at once. At the end every saga is completed or compensated, no step whose completion was
 * logged ran again, and no saga was run by both recovering processes.
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
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "../src/index.js"
import { crashSaga, sideEffectTables } from "./fixtures/crashSaga.js"
import { storeLayer, url } from "./testDatabase.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const kills = Number(process.env.CELLO_SAGA_KILLS ?? 20)

/** The runner bundled once with esbuild, so each process starts in a fraction of tsx's start-up time. */
const bundle = (): string => {
  const outfile = join(mkdtempSync(join(tmpdir(), "cello-mysql-saga-crash-")), "runner.mjs")
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

const spawnRunner = (runner: string, database: string, owner: string, runMode: "run" | "recover") => {
  const child: ChildProcess = spawn(process.execPath, [runner], {
    cwd: packageDir,
    env: {
      ...process.env,
      CELLO_DATABASE_URL: url,
      CELLO_TEST_DATABASE: database,
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

// Generous bounds: they only catch a hang.
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

layer(storeLayer("saga_crash"), { excludeTestServices: true, timeout: "300 seconds" })(
  "MySQL saga crash recovery",
  (it) => {
    it.effect(
      `${kills} kills of a process running sagas, then two processes recovering at once`,
      () =>
        Effect.gen(function* () {
          const db = yield* MysqlDatabase.MysqlDatabase
          const database = db.config.database
          const q = (table: string) => `\`${database}\`.${table}`
          const rows = <A extends object>(text: string, parameters: ReadonlyArray<unknown> = []) =>
            db.run<A>(CompiledQuery.raw(text, [...parameters]))
          for (const statement of sideEffectTables(database)) yield* rows(statement)
          const runner = bundle()
          const sagaCount = rows<{ n: string }>(`SELECT COUNT(*) AS n FROM ${q("sagas")}`).pipe(
            Effect.map((r) => Number(r[0]?.n ?? 0))
          )
          let killed = 0
          for (let round = 0; round < kills; round++) {
            const before = yield* sagaCount
            const running = spawnRunner(runner, database, "crash-node", "run")
            yield* waitFor(() => running.output().includes("ready"), "the runner to start")
            yield* waitForRows(sagaCount, before, "the runner's first saga")
            // Half the kills land early (often during the recovery of the previous process's sagas).
            yield* Effect.sleep(
              `${round % 2 === 0 ? Math.floor(Math.random() * 60) : 60 + Math.floor(Math.random() * 300)} millis`
            )
            yield* kill(running.child)
            killed++
          }
          const inFlight = Number(
            (yield* rows<{ n: string }>(
              `SELECT COUNT(*) AS n FROM ${q("sagas")} WHERE status IN ('running', 'compensating')`
            ))[0]?.n ?? 0
          )

          // Two recovering processes at once, with other owners: the crashed owner's leases expire first.
          yield* rows(
            `UPDATE ${q("sagas")} SET lease_expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE status IN ('running', 'compensating')`
          )
          const marker = (yield* rows<{ at: string }>("SELECT UTC_TIMESTAMP(6) AS at"))[0]?.at
          const a = spawnRunner(runner, database, "recoverer-a", "recover")
          const b = spawnRunner(runner, database, "recoverer-b", "recover")
          yield* Effect.promise(() => Promise.all([once(a.child, "exit"), once(b.child, "exit")]))
          assert.match(a.output(), /recovered \d+/, a.output())
          assert.match(b.output(), /recovered \d+/, b.output())

          // Whatever is left (nothing, normally) is recovered by this process as the crashed node.
          const saga = crashSaga(database, "test")
          const final = yield* Effect.gen(function* () {
            return yield* (yield* SagaOrchestrator.SagaOrchestrator).recover
          }).pipe(
            Effect.provide(
              SagaOrchestrator.layer({ owner: "crash-node", sagas: [saga] }).pipe(
                Layer.provide(SagaConfig.layer({ maxRecoveryAttempts: 1000 }))
              )
            )
          )

          const statuses = (yield* rows<{ status: string; n: string }>(
            `SELECT status, COUNT(*) AS n FROM ${q("sagas")} GROUP BY status ORDER BY status`
          )).map((s) => ({ status: s.status, n: Number(s.n) }))
          const violations = yield* rows<{ key: string; kind: string }>(
            `SELECT \`key\`, kind FROM ${q("saga_violations")}`
          )
          const bothRecoverers = yield* rows<{ k: string }>(
            `SELECT SUBSTRING_INDEX(\`key\`, ':', 1) AS k FROM ${q("saga_side_effects")}
             WHERE owner IN ('recoverer-a', 'recoverer-b') AND at >= ?
             GROUP BY 1 HAVING COUNT(DISTINCT owner) > 1`,
            [marker]
          )
          const duplicates = Number(
            (yield* rows<{ n: string }>(
              `SELECT COUNT(*) AS n FROM (SELECT \`key\`, kind FROM ${q("saga_side_effects")} GROUP BY 1, 2 HAVING COUNT(*) > 1) d`
            ))[0]?.n ?? 0
          )
          const incomplete = yield* rows<{ id: string }>(
            `SELECT s.id FROM ${q("sagas")} s
             WHERE (s.status = 'completed' AND (SELECT COUNT(DISTINCT \`key\`) FROM ${q("saga_side_effects")} e WHERE e.kind = 'act' AND SUBSTRING_INDEX(e.\`key\`, ':', 1) = s.id) <> 4)
                OR (s.status = 'compensated' AND (SELECT COUNT(DISTINCT \`key\`) FROM ${q("saga_side_effects")} e WHERE e.kind = 'compensate' AND SUBSTRING_INDEX(e.\`key\`, ':', 1) = s.id) <> 2)`
          )
          const total = statuses.reduce((sum, s) => sum + s.n, 0)
          yield* Effect.logInfo(
            `saga crash test: ${killed} kills, ${total} sagas ${JSON.stringify(statuses)}, ${inFlight} in flight before the dual recovery, ` +
              `${final.recovered.length} left for the last recovery, ${duplicates} step(s) re-run after a kill before their completion was logged`
          )
          assert.strictEqual(killed, kills)
          assert.isAbove(total, kills)
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
