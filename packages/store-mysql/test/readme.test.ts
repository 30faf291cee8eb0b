import { fileURLToPath } from "node:url"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { program } from "../examples/quickstart.js"
import { storeLayer } from "./testDatabase.js"

const dir = fileURLToPath(new URL("..", import.meta.url))

layer(storeLayer("readme"), { excludeTestServices: true })("README", (it) => {
  it("shows examples/quickstart.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/quickstart.ts`))
  })

  it.effect("the example prints what its comment says", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* program, { version: 2, total: 42 })
    })
  )
})
