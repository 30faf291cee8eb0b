import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { MemoryStore } from "@cello/store-memory"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { program as lending } from "../examples/lending.js"
import { AppLayer, program } from "../examples/order.js"
import { program as quickstart } from "../examples/quickstart.js"

const dir = fileURLToPath(new URL("..", import.meta.url))

describe("README", () => {
  it("shows examples/order.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/order.ts`))
  })

  it("the root README's quick start is examples/quickstart.ts verbatim", () => {
    assert.include(readmeCodeBlocks(`${dir}/../..`), exampleSource(`${dir}/examples/quickstart.ts`))
  })

  it("the root README's `quickstart` command runs the example from a clone and prints { balance: 50 }", () => {
    const root = `${dir}/../..`
    const script: string = JSON.parse(readFileSync(`${root}/package.json`, "utf8")).scripts.quickstart
    assert.include(readFileSync(`${root}/README.md`, "utf8"), "`npx -y pnpm@10.34.9 quickstart`")
    // The script as pnpm runs it: from the root, with the workspace's bins on the PATH.
    const out = execFileSync("sh", ["-c", script], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PATH: `${root}/node_modules/.bin:${process.env.PATH}` }
    })
    assert.strictEqual(out.trim(), "{ balance: 50 }")
  })

  it("shows examples/lending.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/lending.ts`))
  })

  it.effect("the lending example prints what its comment says", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* lending, { again: "already lent to ann", missing: "no book-2" })
    })
  )

  it.effect("the quick start deposits 50", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual((yield* quickstart).state, { balance: 50 })
    }).pipe(Effect.provide(MemoryStore.layer))
  )

  it.effect("the example runs and prints what its comment says", () =>
    Effect.gen(function* () {
      const result = yield* program
      assert.deepStrictEqual(result, {
        status: "shipped",
        version: 2,
        refused: "cannot ship an order that is shipped"
      })
    }).pipe(Effect.provide(AppLayer))
  )
})
