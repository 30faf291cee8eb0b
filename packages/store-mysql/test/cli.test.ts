/**
 * `cello-mysql`, as an operator runs it: `migrate` applies the migrations once, then is a no-op; bad
 * usage and an unreachable server say what is wrong; `saga list|retry` is the suite of
 * `@cello/saga/testing`.
 */
import { fileURLToPath } from "node:url"
import { sagaCliSuite } from "@cello/saga/testing"
import { runTs } from "@cello/tooling/process"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "../src/index.js"
import { freshDatabase, storeLayer, url } from "./testDatabase.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const cli = (...args: ReadonlyArray<string>) => runTs(packageDir, "src/cli.ts", args)

const database = freshDatabase("cli")
sagaCliSuite("cello-mysql", storeLayer("cli", { database }), (...args) =>
  cli(...args, "--url", url, "--database", database)
)

describe("cello-mysql", () => {
  it.live(
    "migrate applies once, then says up to date; bad usage (2) and a dead server (1)",
    () =>
      Effect.gen(function* () {
        const fresh = freshDatabase("cli_migrate")
        const first = yield* Effect.promise(() => cli("migrate", "--url", url, "--database", fresh))
        assert.strictEqual(first.code, 0, first.out)
        assert.match(first.out, /applied 0001_event_store, 0002_read_models, 0003_sagas/)
        const second = yield* Effect.promise(() => cli("migrate", "--url", url, "--database", fresh))
        assert.match(second.out, /up to date/)

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
      }).pipe(Effect.provide(storeLayer("cli_migrate"))),
    180_000
  )
})
