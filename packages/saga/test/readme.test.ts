import { fileURLToPath } from "node:url"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AppLayer, program } from "../examples/transfer.js"

const dir = fileURLToPath(new URL("..", import.meta.url))

describe("README", () => {
  it("shows examples/transfer.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/transfer.ts`))
  })

  it("shows test/testClock.test.ts (the TestClock line, run as a test) verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/test/testClock.test.ts`))
  })

  it.effect("the example prints what its comment says", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* program, {
        ok: "completed",
        refunded: ["compensated", "deposit", ["withdraw"]],
        balances: { alice: 70, bob: 30 }
      })
    }).pipe(Effect.provide(AppLayer))
  )
})
