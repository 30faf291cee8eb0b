import { fileURLToPath } from "node:url"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"

const dir = fileURLToPath(new URL("..", import.meta.url))

// orders.test.ts runs the example; this keeps the README showing it as it is.
describe("README", () => {
  it("shows examples/orders.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/orders.ts`))
  })
})
