import { fileURLToPath } from "node:url"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { App as TransferApp } from "../examples/transfer.js"
import { HttpAdapter } from "../src/index.js"
import { at, baseUrl, call, json, withServer } from "./support.js"

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

describe("README: a saga over HTTP", () => {
  it("shows examples/transfer.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/transfer.ts`))
  })

  it.live("POST /transfers runs the saga (201, completed); GET /sagas/:id answers the same body", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      const created = yield* call(`${base}/transfers`, json({ from: "alice", to: "bob", amount: 30 }))
      assert.strictEqual(created.status, 201)
      assert.strictEqual(at(created.body, "status"), "completed")
      const sagaId = String(at(created.body, "sagaId"))
      const status = yield* call(`${base}/sagas/${sagaId}`)
      assert.strictEqual(status.status, 200)
      assert.deepStrictEqual(status.body, created.body)
    }).pipe(Effect.provide(Layer.fresh(HttpAdapter.serve(TransferApp, { host: "127.0.0.1", port: 0 }))))
  )
})
