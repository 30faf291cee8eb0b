import { fileURLToPath } from "node:url"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { program } from "../examples/quickstart.js"
import { RedisIdempotencyStore, RedisReadModelStore } from "../src/index.js"
import { clientLayer } from "./testRedis.js"

const dir = fileURLToPath(new URL("..", import.meta.url))

describe("README", () => {
  it("shows examples/quickstart.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/quickstart.ts`))
  })

  it.effect("the example prints what its comment says", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* program, ["acc-1", "acc-3"])
    }).pipe(
      Effect.provide(
        Layer.mergeAll(RedisReadModelStore.layer, RedisIdempotencyStore.layer).pipe(
          Layer.provide(clientLayer("readme"))
        )
      )
    )
  )
})
