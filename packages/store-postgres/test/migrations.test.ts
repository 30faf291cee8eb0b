/** Migrations by the shipped command, as a user runs it: applied once, then a no-op. */
import { fileURLToPath } from "node:url"
import { runTs } from "@cello/tooling/process"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { freshSchema, url } from "./testDatabase.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const cli = (...args: ReadonlyArray<string>) => runTs(packageDir, "src/cli.ts", args)

describe("cello-pg migrate", () => {
  it.live("applies the migrations once; running it again changes nothing", () =>
    Effect.promise(async () => {
      const schema = freshSchema("cli")
      const first = await cli("migrate", "--url", url, "--schema", schema)
      assert.strictEqual(first.code, 0, first.out)
      assert.match(first.out, /applied 0001_event_store/)
      const second = await cli("migrate", "--url", url, "--schema", schema)
      assert.strictEqual(second.code, 0, second.out)
      assert.match(second.out, /up to date/)
      assert.strictEqual((await cli("migrate", "--url", url, "--schema", schema)).code, 0)
    })
  )

  it.live("says what is wrong: bad usage (2), unreachable server (1) without the password", () =>
    Effect.promise(async () => {
      const usage = await cli("frobnicate")
      assert.strictEqual(usage.code, 2)
      assert.match(usage.out, /usage: cello-pg migrate/)
      const down = await cli("migrate", "--url", "postgres://u:topsecret@127.0.0.1:1/db")
      assert.strictEqual(down.code, 1)
      assert.match(down.out, /127\.0\.0\.1:1\/db/)
      assert.notMatch(down.out, /topsecret/)
    })
  )
})
