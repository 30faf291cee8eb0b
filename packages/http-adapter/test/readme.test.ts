import { fileURLToPath } from "node:url"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { call, json, withServer } from "./support.js"

const dir = fileURLToPath(new URL("..", import.meta.url))

describe("README", () => {
  it("shows examples/orders.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/orders.ts`))
  })

  it.live("the example does what its comment says: POST /orders → 201 Created with a Location", () =>
    withServer((base) =>
      Effect.gen(function* () {
        const created = yield* call(`${base}/orders`, json({ items: ["Widget"] }))
        assert.strictEqual(created.status, 201)
        assert.match(created.headers.get("location") ?? "", /^\/orders\/.+/)
      })
    )
  )
})
