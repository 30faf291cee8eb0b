import { fileURLToPath } from "node:url"
import { MemoryStore } from "@cello/store-memory"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
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
