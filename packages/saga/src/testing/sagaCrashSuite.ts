/**
 * Saga crash recovery with real processes on a real database: a process running sagas
 * (`sagaCrashRunner`) is SIGKILLed at random moments (inside steps, between a step and its log write,
 * during recovery) `kills` times; each next process recovers what the previous one left. Then two
 * processes recover at once. At the end every saga is completed or compensated, no step whose
 * completion was logged ran again, and no saga was run by both recovering processes.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as SagaConfig from "../SagaConfig.js"
import * as SagaOrchestrator from "../SagaOrchestrator.js"
import type { Status } from "../SagaRecord.js"
import { SagaStore } from "../SagaStore.js"
import { crashSaga, type SagaCrashTables, StepRun } from "./crashSaga.js"

/** A started runner process. */
export interface RunnerProcess {
  /** What it printed so far, stdout and stderr together. */
  readonly output: () => string
  /** Resolves when it has exited. */
  readonly exited: Promise<unknown>
  /** SIGKILL; resolves when it is gone. */
  readonly kill: () => Promise<void>
}

export interface SagaCrashSetup<R> {
  /** The store's statements, on the schema (or database) the store layer uses. */
  readonly tables: SagaCrashTables<R>
  /**
   * Starts the store's runner process (its layer on the same schema, then `sagaCrashRunner`) with
   * CELLO_TEST_OWNER=`owner` and CELLO_TEST_MODE=`mode`.
   */
  readonly start: (owner: string, mode: "run" | "recover") => RunnerProcess
}

export interface SagaCrashOptions<R> {
  readonly kills: number
  /** Reads the schema the store layer uses and prepares the runner (bundles it, say); runs once. */
  readonly setup: Effect.Effect<SagaCrashSetup<R>, unknown, R>
  /**
   * Why this run cannot start other processes on the database (an embedded database of one
   * connection, say): the test then says so and checks nothing.
   */
  readonly cannotRun?: string | undefined
}

// Generous bounds: they only catch a hang. Beside other tests on two cores, a process can take
// seconds to start.
const waitUntil = <E, R>(check: Effect.Effect<boolean, E, R>, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 3000; i++) {
      if (yield* check) return
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

const inFlight: ReadonlyArray<Status> = ["running", "compensating"]
const everything = 1_000_000

/** How many distinct values `key` takes over `items`, per group. */
const distinctPer = <A>(items: ReadonlyArray<A>, group: (a: A) => string, key: (a: A) => string) => {
  const sets = new Map<string, Set<string>>()
  for (const item of items) {
    const set = sets.get(group(item)) ?? new Set<string>()
    set.add(key(item))
    sets.set(group(item), set)
  }
  return (id: string) => sets.get(id)?.size ?? 0
}

export const sagaCrashSuite = <R, E>(
  name: string,
  storeLayer: Layer.Layer<SagaStore | R, E>,
  options: SagaCrashOptions<R>
): void =>
  layer(storeLayer, { excludeTestServices: true, timeout: "300 seconds" })(
    `${name} saga crash recovery`,
    (it) => {
      it.effect(
        `${options.kills} kills of a process running sagas, then two processes recovering at once`,
        () =>
          Effect.gen(function* () {
            if (options.cannotRun !== undefined)
              return yield* Effect.logWarning(`saga crash test ran nothing: ${options.cannotRun}`)
            const store = yield* SagaStore
            const { tables, start } = yield* options.setup
            yield* tables.run(tables.createRuns)
            const newest = store.list({ limit: 20 }).pipe(Effect.map((sagas) => sagas.map((s) => s.id)))
            const kills = options.kills
            let killed = 0
            for (let round = 0; round < kills; round++) {
              const before = new Set(yield* newest)
              const running = start("crash-node", "run")
              yield* waitUntil(
                Effect.sync(() => running.output().includes("ready")),
                "the runner to start"
              )
              // Each process starts at least one saga before it is killed, so every round does work: on
              // a loaded machine "ready" alone can come tens of milliseconds before the first saga.
              yield* waitUntil(
                Effect.map(newest, (ids) => ids.some((id) => !before.has(id))),
                "the runner's first saga"
              )
              // Half the kills land early (often during the recovery of the previous process's sagas).
              yield* Effect.sleep(
                `${round % 2 === 0 ? Math.floor(Math.random() * 60) : 60 + Math.floor(Math.random() * 300)} millis`
              )
              yield* Effect.promise(running.kill)
              killed++
            }
            const leftInFlight = (yield* store.list({ status: inFlight, limit: everything })).length

            // Two recovering processes at once, with other owners: the crashed owner's leases expire first.
            yield* tables.run(tables.expireLeases)
            const a = start("recoverer-a", "recover")
            const b = start("recoverer-b", "recover")
            yield* Effect.promise(() => Promise.all([a.exited, b.exited]))
            assert.match(a.output(), /recovered \d+/, a.output())
            assert.match(b.output(), /recovered \d+/, b.output())

            // Whatever is left (nothing, normally) is recovered by this process as the crashed node.
            const saga = crashSaga(tables, "test")
            const final = yield* SagaOrchestrator.SagaOrchestrator.use((o) => o.recover).pipe(
              Effect.provide(
                SagaOrchestrator.layer({ owner: "crash-node", sagas: [saga] }).pipe(
                  Layer.provide(SagaConfig.layer({ maxRecoveryAttempts: 1000 }))
                )
              )
            )
            const sagas = yield* store.list({ limit: everything })
            const runs = yield* Schema.decodeUnknownEffect(Schema.Array(StepRun))(
              yield* tables.run(tables.selectRuns)
            )
            const statuses = new Map<string, number>()
            for (const s of sagas) statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1)
            const violations = runs.filter((run) => run.logged !== 0)
            const owners = distinctPer(
              runs.filter((run) => run.owner.startsWith("recoverer-")),
              (run) => run.saga_id,
              (run) => run.owner
            )
            const bothRecoverers = sagas.filter((s) => owners(s.id) > 1).map((s) => s.id)
            const runsPerStep = new Map<string, number>()
            for (const run of runs) {
              const step = `${run.step_key} ${run.phase}`
              runsPerStep.set(step, (runsPerStep.get(step) ?? 0) + 1)
            }
            const duplicates = [...runsPerStep.values()].filter((n) => n > 1).length
            const acts = distinctPer(
              runs.filter((run) => run.phase === "act"),
              (run) => run.saga_id,
              (run) => run.step_key
            )
            const undone = distinctPer(
              runs.filter((run) => run.phase === "compensate"),
              (run) => run.saga_id,
              (run) => run.step_key
            )
            const incomplete = sagas
              .filter(
                (s) =>
                  (s.status === "completed" && acts(s.id) !== 4) ||
                  (s.status === "compensated" && undone(s.id) !== 2)
              )
              .map((s) => s.id)
            yield* Effect.logInfo(
              `saga crash test: ${killed} kills, ${sagas.length} sagas ${JSON.stringify(Object.fromEntries(statuses))}, ${leftInFlight} in flight before the dual recovery, ` +
                `${final.recovered.length} left for the last recovery, ${duplicates} step(s) re-run after a kill before their completion was logged`
            )
            assert.strictEqual(killed, kills)
            assert.isAbove(sagas.length, kills)
            assert.deepStrictEqual(
              sagas
                .filter((s) => s.status !== "completed" && s.status !== "compensated")
                .map((s) => `${s.id} ${s.status}`),
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
