/**
 * The process `sagaCrashSuite` kills, as one call: a store's runner file builds its store layer and
 * runs this. It recovers what the previous process left while 16 fibers start sagas without pause,
 * until killed; with CELLO_TEST_MODE=recover it only recovers, prints "recovered <n>" and ends (the
 * store layer closes with it, so the process exits by itself). Its owner is CELLO_TEST_OWNER. Free
 * of vitest, so it can be bundled into a plain Node process.
 */
import { Cause, Config, Console, Effect, Layer } from "effect"
import * as SagaConfig from "../SagaConfig.js"
import * as SagaOrchestrator from "../SagaOrchestrator.js"
import type { SagaStore } from "../SagaStore.js"
import { crashSaga, type SagaCrashTables } from "./crashSaga.js"

export const sagaCrashRunner = <R, E>(
  storeLayer: Layer.Layer<SagaStore | R, E>,
  tables: SagaCrashTables<R>
): Effect.Effect<void, unknown> =>
  Effect.gen(function* () {
    const owner = yield* Config.String("CELLO_TEST_OWNER").pipe(Config.withDefault("crash-node"))
    const mode = yield* Config.String("CELLO_TEST_MODE").pipe(Config.withDefault("run"))
    const saga = crashSaga(tables, owner)
    const program = Effect.gen(function* () {
      const orchestrator = yield* SagaOrchestrator.SagaOrchestrator
      if (mode === "recover") {
        const report = yield* orchestrator.recover
        return yield* Console.log(`recovered ${report.recovered.length}`)
      }
      yield* Console.log("ready")
      yield* Effect.all(
        [
          orchestrator.recover,
          ...Array.from({ length: 16 }, (_, worker) =>
            Effect.gen(function* () {
              for (let n = 0; ; n++)
                yield* orchestrator.execute(saga, { n, fail: (n + worker) % 4 === 0, done: 0 })
            })
          )
        ],
        { concurrency: "unbounded" }
      )
    })
    const live = SagaOrchestrator.layer({ owner, sagas: [saga] }).pipe(
      Layer.provide(SagaConfig.layer({ maxRecoveryAttempts: 1000 })),
      Layer.provideMerge(storeLayer)
    )
    yield* program.pipe(Effect.provide(live))
  }).pipe(Effect.tapCause((cause) => Console.error(Cause.pretty(cause))))
