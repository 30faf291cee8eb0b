/**
 * `cello-pg saga list|retry`, as an operator runs them: `retry` hands a `compensation_failed` saga
 * back to the app's recovery (compensating, no owner), and refuses anything else.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { SagaStore } from "@cello/saga"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { PgStore } from "../src/index.js"
import { freshSchema, modeSettings, url } from "./testDatabase.js"

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL("..", import.meta.url))
const schema = freshSchema("cli_saga")
const cli = (...args: ReadonlyArray<string>) =>
  run(
    `${packageDir}node_modules/.bin/tsx`,
    ["--conditions=@cello/source", "src/cli.ts", ...args, "--url", url, "--schema", schema],
    { cwd: packageDir }
  ).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr })
  )

const dropSchema = Layer.effectDiscard(
  Effect.addFinalizer(() =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    ).pipe(Effect.ignore)
  )
)
const store = dropSchema.pipe(
  Layer.provideMerge(PgStore.layer({ url, schema, poolSize: 2, ...modeSettings }))
)

/** A saga as an orchestrator leaves one whose compensation failed for good. */
const compensationFailed = (id: string) =>
  Effect.gen(function* () {
    const sagas = yield* SagaStore.SagaStore
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

describe("cello-pg saga", () => {
  it.live(
    "list shows compensation_failed sagas; retry reopens one for recovery, once; bad ids and usage are refused",
    () =>
      Effect.gen(function* () {
        const sagas = yield* SagaStore.SagaStore
        yield* compensationFailed("stuck-1")
        const listed = yield* Effect.promise(() => cli("saga", "list", "--status", "compensation_failed"))
        assert.strictEqual(listed.code, 0, listed.out)
        assert.strictEqual(
          listed.out.trim(),
          "stuck-1\ttransfer\tcompensation_failed\tcompensation of withdraw failed: frozen"
        )

        const retried = yield* Effect.promise(() => cli("saga", "retry", "stuck-1"))
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

        const again = yield* Effect.promise(() => cli("saga", "retry", "stuck-1"))
        assert.strictEqual(again.code, 1)
        assert.match(again.out, /is compensating, not compensation_failed: nothing to retry/)
        const missing = yield* Effect.promise(() => cli("saga", "retry", "nope"))
        assert.strictEqual(missing.code, 1)
        assert.match(missing.out, /saga "nope" not found/)
        const badStatus = yield* Effect.promise(() => cli("saga", "list", "--status", "stuck"))
        assert.strictEqual(badStatus.code, 1)
        assert.match(badStatus.out, /"stuck" is not a saga status/)
        const usage = yield* Effect.promise(() => cli("saga", "retry"))
        assert.strictEqual(usage.code, 2)
        assert.match(usage.out, /cello-pg saga retry <saga-id>/)
      }).pipe(Effect.provide(store)),
    60_000
  )
})
