import { fileURLToPath } from "node:url"
import { exampleSource, readmeCodeBlocks } from "@cello/tooling/readme"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { start as startInFastify } from "../examples/fastify.js"
import { App as StatusesApp } from "../examples/statuses.js"
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

describe("README: mounted in fastify", () => {
  it("shows examples/fastify.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/fastify.ts`))
  })

  it.live("the adapter answers POST /orders, fastify its own /ping, on one server", () =>
    Effect.acquireUseRelease(
      Effect.promise(() => startInFastify(0)),
      ({ url }) =>
        Effect.gen(function* () {
          const created = yield* call(`${url}/orders`, json({ items: ["Widget"] }))
          assert.strictEqual(created.status, 201)
          assert.match(created.headers.get("location") ?? "", /^\/orders\/.+/)
          const ping = yield* call(`${url}/ping`)
          assert.deepStrictEqual(ping.body, { pong: true })
        }),
      ({ stop }) => Effect.promise(stop)
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

describe("README: a status per failure and per result", () => {
  it("shows examples/statuses.ts verbatim", () => {
    assert.include(readmeCodeBlocks(dir), exampleSource(`${dir}/examples/statuses.ts`))
  })

  it.live("answers as the example's comments say, and /openapi.json lists each status", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      const book = (seat: string, passenger: string) =>
        call(`${base}/seats/${seat}/bookings`, json({ passenger }))
      const booked = yield* book("2A", "Ada")
      assert.deepStrictEqual([booked.status, booked.body], [201, { seat: "2A", status: "booked" }])
      const waitlisted = yield* book("2A", "late")
      assert.deepStrictEqual(
        [waitlisted.status, waitlisted.body],
        [202, { seat: "2A", status: "waitlisted" }]
      )
      const taken = yield* book("1A", "Ada")
      assert.strictEqual(taken.status, 422)
      assert.strictEqual(taken.headers.get("content-type"), "application/problem+json")
      assert.strictEqual(at(taken.body, "type"), "urn:cello:problem:seat-taken")
      assert.strictEqual(at(taken.body, "title"), "Seat already taken")
      assert.strictEqual(at(taken.body, "detail"), "seat 1A is taken")
      const missing = yield* book("9Z", "Ada")
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(at(missing.body, "type"), "urn:cello:problem:seat-not-found")
      const operation = at(
        (yield* call(`${base}/openapi.json`)).body,
        "paths",
        "/seats/{seat}/bookings",
        "post"
      )
      const responses = at(operation, "responses")
      for (const status of ["201", "202", "404", "422"]) assert.isObject(at(responses, status), status)
      assert.include(String(at(responses, "422", "description")), "SeatTaken")
      assert.include(String(at(responses, "404", "description")), "SeatNotFound")
      // The path fills `seat`: the body documents `passenger` alone.
      const body = at(operation, "requestBody", "content", "application/json", "schema")
      assert.deepStrictEqual(Object.keys(at(body, "properties") ?? {}), ["passenger"])
      assert.deepStrictEqual(at(body, "required"), ["passenger"])
    }).pipe(Effect.provide(Layer.fresh(HttpAdapter.serve(StatusesApp, { host: "127.0.0.1", port: 0 }))))
  )
})
