/** Migrations by the shipped command, as a user runs it: applied once, then a no-op. */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { freshSchema, url } from "./testDatabase.js"

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL("..", import.meta.url))
const cli = (...args: ReadonlyArray<string>) =>
  run(`${packageDir}node_modules/.bin/tsx`, ["--conditions=@cello/source", "src/cli.ts", ...args], {
    cwd: packageDir
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr })
  )

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
