/**
 * `cello-mysql`, as an operator runs it: `migrate` applies the migrations once, then is a no-op;
 * `saga retry` hands a `compensation_failed` saga back to the app's recovery (compensating, no owner)
 * and refuses anything else; bad usage and an unreachable server say what is wrong.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { SagaStore } from "@cello/saga"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "../src/index.js"
import { freshDatabase, storeLayer, url } from "./testDatabase.js"

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL("..", import.meta.url))
const cli = (...args: ReadonlyArray<string>) =>
  run(`${packageDir}node_modules/.bin/tsx`, ["--conditions=@cello/source", "src/cli.ts", ...args], {
    cwd: packageDir
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr })
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

const database = freshDatabase("cli")

describe("cello-mysql", () => {
  it.live(
    "migrate applies once, then says up to date; saga list/retry; bad usage (2) and a dead server (1)",
    () =>
      Effect.gen(function* () {
        // The store layer (and its migrations) is built first: the CLI finds the database up to date.
        const sagas = yield* SagaStore.SagaStore
        const fresh = freshDatabase("cli_migrate")
        const first = yield* Effect.promise(() => cli("migrate", "--url", url, "--database", fresh))
        assert.strictEqual(first.code, 0, first.out)
        assert.match(first.out, /applied 0001_event_store, 0002_read_models, 0003_sagas/)
        const second = yield* Effect.promise(() => cli("migrate", "--url", url, "--database", fresh))
        assert.match(second.out, /up to date/)

        yield* compensationFailed("stuck-1")
        const saga = (...args: ReadonlyArray<string>) =>
          Effect.promise(() => cli("saga", ...args, "--url", url, "--database", database))
        const listed = yield* saga("list", "--status", "compensation_failed")
        assert.strictEqual(listed.code, 0, listed.out)
        assert.strictEqual(
          listed.out.trim(),
          "stuck-1\ttransfer\tcompensation_failed\tcompensation of withdraw failed: frozen"
        )
        const retried = yield* saga("retry", "stuck-1")
        assert.strictEqual(retried.code, 0, retried.out)
        assert.match(retried.out, /saga "stuck-1" \(transfer\) .* is compensating again/)
        const reopened = Option.getOrThrow(yield* sagas.get("stuck-1"))
        assert.strictEqual(reopened.status, "compensating")
        assert.strictEqual(reopened.owner, undefined)
        const again = yield* saga("retry", "stuck-1")
        assert.strictEqual(again.code, 1)
        assert.match(again.out, /is compensating, not compensation_failed: nothing to retry/)
        assert.match((yield* saga("retry", "nope")).out, /saga "nope" not found/)

        const usage = yield* Effect.promise(() => cli("frobnicate"))
        assert.strictEqual(usage.code, 2)
        assert.match(usage.out, /usage: cello-mysql migrate/)
        const down = yield* Effect.promise(() =>
          cli("migrate", "--url", "mysql://u:topsecret@127.0.0.1:1/db")
        )
        assert.strictEqual(down.code, 1)
        assert.match(down.out, /127\.0\.0\.1:1\/db/)
        assert.notMatch(down.out, /topsecret/)
        const db = yield* MysqlDatabase.MysqlDatabase
        yield* db.execute(CompiledQuery.raw(`DROP DATABASE IF EXISTS \`${fresh}\``))
      }).pipe(Effect.provide(storeLayer("cli", { database }))),
    60_000
  )
})
