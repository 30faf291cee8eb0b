/**
 * A store's `saga list|retry` command line (`SagaCli`), as an operator runs it: `retry` hands a
 * `compensation_failed` saga back to the app's recovery (compensating, no owner) and refuses anything
 * else; bad statuses, unknown ids and bad usage are refused with their exit codes.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { SagaStore } from "../SagaStore.js"

/** How the command line ended: its exit code, and what it printed (stdout and stderr). */
export interface CliOutcome {
  readonly code: number
  readonly out: string
}

/** A saga as an orchestrator leaves one whose compensation failed for good. */
const compensationFailed = (id: string) =>
  Effect.gen(function* () {
    const sagas = yield* SagaStore
    yield* sagas.create(
      { id, name: "transfer", status: "compensating", context: {}, owner: "app" },
      [],
      "1 minute"
    )
    yield* sagas.update(id, {
      version: 1,
      owner: "app",
      changes: {
        status: "compensation_failed",
        compensationFailedStep: "withdraw",
        compensationError: "frozen"
      },
      log: [],
      lease: "release"
    })
  })

/**
 * `cli(...args)` runs the store's command line `bin` with `args` and its flags for the database of
 * `storeLayer` (which must hold no other saga named `transfer` in `compensation_failed`).
 */
export const sagaCliSuite = <E>(
  bin: string,
  storeLayer: Layer.Layer<SagaStore, E>,
  cli: (...args: ReadonlyArray<string>) => Promise<CliOutcome>
): void =>
  // Six command lines, each a process of its own that compiles the store's sources: ~1.5 s apiece on a
  // quiet machine, ten times that beside CI's other suites on 2 cores.
  layer(storeLayer, { excludeTestServices: true, timeout: "180 seconds" })(`${bin} saga`, (it) => {
    it.effect(
      "list shows compensation_failed sagas; retry reopens one for recovery, once; bad ids and usage are refused",
      () =>
        Effect.gen(function* () {
          const run = (...args: ReadonlyArray<string>) => Effect.promise(() => cli("saga", ...args))
          const sagas = yield* SagaStore
          yield* compensationFailed("stuck-1")
          const listed = yield* run("list", "--status", "compensation_failed")
          assert.strictEqual(listed.code, 0, listed.out)
          assert.strictEqual(
            listed.out.trim(),
            "stuck-1\ttransfer\tcompensation_failed\tcompensation of withdraw failed: frozen"
          )

          const retried = yield* run("retry", "stuck-1")
          assert.strictEqual(retried.code, 0, retried.out)
          assert.match(retried.out, /saga "stuck-1" \(transfer\) .* is compensating again/)
          const saga = Option.getOrThrow(yield* sagas.get("stuck-1"))
          assert.strictEqual(saga.status, "compensating")
          assert.strictEqual(saga.owner, undefined)
          assert.strictEqual(saga.compensationFailedStep, undefined)
          assert.include(
            (yield* sagas.recoverable("any-instance", 100)).map((r) => r.id),
            "stuck-1"
          )

          const again = yield* run("retry", "stuck-1")
          assert.strictEqual(again.code, 1)
          assert.match(again.out, /is compensating, not compensation_failed: nothing to retry/)
          const missing = yield* run("retry", "nope")
          assert.strictEqual(missing.code, 1)
          assert.match(missing.out, /saga "nope" not found/)
          const badStatus = yield* run("list", "--status", "stuck")
          assert.strictEqual(badStatus.code, 1)
          assert.match(badStatus.out, /"stuck" is not a saga status/)
          const usage = yield* run("retry")
          assert.strictEqual(usage.code, 2)
          assert.include(usage.out, `${bin} saga retry <saga-id>`)
        }),
      180_000
    )
  })
