import { fileURLToPath } from "node:url"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { program } from "../examples/quickstart.js"
import { MemoryStore } from "./index.js"

const dir = fileURLToPath(new URL("..", import.meta.url))

describe("README", () => {
  it("shows examples/quickstart.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/quickstart.ts`))
  })

  it.effect("the example prints what its comment says", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* program, {
        types: ["account-1@1 Opened", "account-1@2 Deposited"],
        conflict: 'stream "account-1": expected version 0, actual 2'
      })
    }).pipe(Effect.provide(MemoryStore.layer))
  )
})
