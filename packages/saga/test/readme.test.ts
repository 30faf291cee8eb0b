import { fileURLToPath } from "node:url"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as CompensationRetry from "../examples/compensationRetry.js"
import { AppLayer, program } from "../examples/transfer.js"

const dir = fileURLToPath(new URL("..", import.meta.url))

describe("README", () => {
  it("shows examples/transfer.ts and examples/compensationRetry.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/transfer.ts`))
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/compensationRetry.ts`))
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

  // Live clock: the refund's retries really wait (10 ms, then about 20 ms).
  it.live("the compensation-retry example prints what its comment says", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* CompensationRetry.program, {
        glitchy: "compensated",
        stuck: ["compensation_failed", "CardFrozen"],
        retried: "compensated",
        balance: 100
      })
    }).pipe(Effect.provide(CompensationRetry.AppLayer))
  )
})
