/**
 * The saga of the crash test (`sagaCrashSuite`), shared by the test and the processes it kills. Each
 * action and compensation records its run in a table of the test's own, with the process's owner and
 * whether the saga log already said that step completed (act) or was compensated when it began: a
 * logged step must never run again. Steps sleep a little so kills land inside them as well as between
 * them.
 */
import { Effect, Schema } from "effect"
import * as Saga from "../Saga.js"
import type { Phase } from "../SagaRecord.js"
import { SagaStore } from "../SagaStore.js"

/**
 * What a SQL store's crash test supplies: a way to run its SQL, and the statements on the schema (or
 * database) of the test.
 */
export interface SagaCrashTables<R> {
  /** Runs one statement with positional parameters; returns its rows as the driver gives them. */
  readonly run: (
    statement: string,
    parameters?: ReadonlyArray<unknown>
  ) => Effect.Effect<ReadonlyArray<unknown>, unknown, R>
  /**
   * Creates the table of step runs, if missing: saga_id, step_key and phase (text), owner (text),
   * logged (an integer, 1 or 0).
   */
  readonly createRuns: string
  /** Inserts a step run; parameters saga_id, step_key, phase, owner, logged. */
  readonly insertRun: string
  /** Every step run: saga_id, step_key, phase, owner, logged. */
  readonly selectRuns: string
  /** Ends the lease of every saga in flight (running, compensating) now, so any owner may recover it. */
  readonly expireLeases: string
}

export const CrashContext = Schema.Struct({ n: Schema.Number, fail: Schema.Boolean, done: Schema.Number })
export type CrashContext = typeof CrashContext.Type

/** A step run as recorded. */
export const StepRun = Schema.Struct({
  saga_id: Schema.String,
  step_key: Schema.String,
  phase: Schema.Literals(["act", "compensate"]),
  owner: Schema.String,
  logged: Schema.Number
})
export type StepRun = typeof StepRun.Type

const recordRun = <R>(
  tables: SagaCrashTables<R>,
  owner: string,
  index: number,
  info: Saga.StepInfo,
  phase: Phase
) =>
  Effect.gen(function* () {
    yield* Effect.sleep(`${Math.floor(Math.random() * 4)} millis`)
    const log = yield* SagaStore.use((store) => store.log(info.sagaId))
    const logged = log.some(
      (entry) => entry.index === index && entry.phase === phase && entry.status === "completed"
    )
    yield* tables.run(tables.insertRun, [info.sagaId, info.idempotencyKey, phase, owner, logged ? 1 : 0])
  })

const steps = ["reserve", "charge", "ship", "confirm"] as const

/** Four steps; with `fail`, the third fails and the first two are compensated. */
export const crashSaga = <R>(tables: SagaCrashTables<R>, owner: string) =>
  Saga.make({
    name: "crash",
    context: CrashContext,
    // Past its timeout a saga also undoes the step a crash left started (its effect is unknown); the
    // test counts exactly the first two compensations, so the run must stay well within it.
    timeout: "1 hour",
    steps: steps.map(
      (name, index): Saga.Step<CrashContext, R | SagaStore> => ({
        name,
        retry: { maxRetries: 0 },
        action: (ctx, info) =>
          ctx.fail && index === 2
            ? Effect.fail(`${name} refused`)
            : recordRun(tables, owner, index, info, "act").pipe(Effect.as({ ...ctx, done: ctx.done + 1 })),
        ...(index < 3
          ? {
              compensate: (_ctx: CrashContext, info: Saga.StepInfo) =>
                recordRun(tables, owner, index, info, "compensate")
            }
          : {})
      })
    )
  })
