import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { at, call, eventCount, json, servers } from "./support.js"

const isProblem = (body: unknown, status: number) => {
  assert.strictEqual(at(body, "status"), status)
  assert.match(String(at(body, "type")), /^urn:cello:problem:[a-z-]+$/)
  assert.isString(at(body, "title"))
  assert.isString(at(body, "detail"))
  assert.strictEqual(at(body, "error"), at(body, "detail"))
  assert.notInclude(JSON.stringify(body), "    at ")
  return { type: at(body, "type"), error: at(body, "error"), errors: at(body, "errors") }
}

for (const [server, withServer] of servers) {
  describe(`command and query routes over HTTP (${server})`, () => {
    it.live("POST creates: 201 with Location; GET reads it back with an ETag", () =>
      withServer((base) =>
        Effect.gen(function* () {
          const created = yield* call(`${base}/orders`, json({ items: ["Widget"] }))
          assert.strictEqual(created.status, 201)
          const location = created.headers.get("location") ?? ""
          assert.match(location, /^\/orders\/[0-9a-f-]{36}$/)
          assert.deepStrictEqual(created.body, { orderId: location.slice(8), version: 1 })
          const read = yield* call(`${base}${location}`)
          assert.strictEqual(read.status, 200)
          assert.strictEqual(read.headers.get("etag"), '"1"')
          assert.deepStrictEqual(read.body, { orderId: location.slice(8), status: "placed", version: 1 })
        })
      )
    )

    it.live("a query answering Option.none() is a 404 problem", () =>
      withServer((base) =>
        Effect.gen(function* () {
          const missing = yield* call(`${base}/orders/nope`)
          assert.strictEqual(missing.status, 404)
          assert.strictEqual(missing.headers.get("content-type"), "application/problem+json")
          isProblem(missing.body, 404)
        })
      )
    )

    it.live("a declared domain failure is a 409 problem with the failure's message", () =>
      withServer((base) =>
        Effect.gen(function* () {
          const created = yield* call(`${base}/orders`, json({ items: ["Widget"] }))
          const location = created.headers.get("location") ?? ""
          assert.strictEqual((yield* call(`${base}${location}/ship`, json({}))).status, 200)
          const again = yield* call(`${base}${location}/ship`, json({}))
          assert.strictEqual(again.status, 409)
          const problem = isProblem(again.body, 409)
          assert.strictEqual(problem.type, "urn:cello:problem:order-rejected")
          assert.strictEqual(problem.error, "order is shipped")
        })
      )
    )

    it.live("If-Match: a matching version ships, a stale one is 412 and writes nothing", () =>
      withServer((base) =>
        Effect.gen(function* () {
          const created = yield* call(`${base}/orders`, json({ items: ["Widget"] }))
          const location = created.headers.get("location") ?? ""
          const before = yield* eventCount
          const stale = yield* call(`${base}${location}/ship`, json({}, { "if-match": '"7"' }))
          assert.strictEqual(stale.status, 412)
          isProblem(stale.body, 412)
          const garbage = yield* call(`${base}${location}/ship`, json({}, { "if-match": 'W/"1"' }))
          assert.strictEqual(garbage.status, 412)
          assert.strictEqual(yield* eventCount, before)
          const shipped = yield* call(`${base}${location}/ship`, json({}, { "if-match": '"1"' }))
          assert.strictEqual(shipped.status, 200)
          assert.strictEqual(shipped.headers.get("etag"), '"2"')
          assert.strictEqual(yield* eventCount, before + 1)
        })
      )
    )
  })
}

for (const [server, withServer] of servers) {
  describe(`bad input: a clear 4xx and nothing written (${server})`, () => {
    const cases: ReadonlyArray<{
      name: string
      url: string
      init: RequestInit
      status: number
      slug: string
    }> = [
      {
        name: "malformed JSON",
        url: "/orders",
        init: { method: "POST", headers: { "content-type": "application/json" }, body: '{"items": [' },
        status: 400,
        slug: "malformed-json"
      },
      {
        name: "wrong types",
        url: "/orders",
        init: json({ items: "Widget" }),
        status: 422,
        slug: "validation-error"
      },
      {
        name: "empty list",
        url: "/orders",
        init: json({ items: [] }),
        status: 422,
        slug: "validation-error"
      },
      {
        name: "a JSON array body",
        url: "/orders",
        init: json([1, 2]),
        status: 422,
        slug: "validation-error"
      },
      { name: "no body", url: "/orders", init: { method: "POST" }, status: 422, slug: "validation-error" },
      {
        name: "a body over 1 MiB",
        url: "/orders",
        init: json({ items: ["x".repeat(1024 * 1024)] }),
        status: 413,
        slug: "body-too-large"
      },
      { name: "an unknown route", url: "/nowhere", init: json({}), status: 404, slug: "route-not-found" },
      {
        name: "a GET on a POST route",
        url: "/orders",
        init: { method: "GET" },
        status: 404,
        slug: "route-not-found"
      },
      {
        name: "an odd id with quotes and unicode",
        url: `/orders/${encodeURIComponent('"ünï\'cødé 🎻"')}/ship`,
        init: json({}),
        status: 409,
        slug: "order-rejected"
      },
      // Longer than the router's parameter limit (find-my-way's 100 characters): no route matches.
      {
        name: "a very long id",
        url: `/orders/${"x".repeat(5000)}/ship`,
        init: json({}),
        status: 404,
        slug: "route-not-found"
      },
      {
        name: "reading a very long id",
        url: `/orders/${"é".repeat(1000)}`,
        init: {},
        status: 404,
        slug: "route-not-found"
      },
      {
        name: "reading an odd id",
        url: `/orders/${encodeURIComponent("a/../'\"<b>")}`,
        init: {},
        status: 404,
        slug: "not-found"
      }
    ]
    for (const c of cases) {
      it.live(`${c.name} → ${c.status}`, () =>
        withServer((base) =>
          Effect.gen(function* () {
            const before = yield* eventCount
            const response = yield* call(`${base}${c.url}`, c.init)
            assert.strictEqual(response.status, c.status)
            assert.strictEqual(response.headers.get("content-type"), "application/problem+json")
            assert.strictEqual(isProblem(response.body, c.status).type, `urn:cello:problem:${c.slug}`)
            assert.strictEqual(yield* eventCount, before)
          })
        )
      )
    }

    it.live("422 names every bad field", () =>
      withServer((base) =>
        Effect.gen(function* () {
          const response = yield* call(`${base}/orders`, json({ items: ["ok", "", 3] }))
          assert.strictEqual(response.status, 422)
          const problem = isProblem(response.body, 422)
          assert.deepStrictEqual(
            Array.isArray(problem.errors) ? problem.errors.map((e: unknown) => at(e, "path")) : [],
            ["items.1", "items.2"]
          )
        })
      )
    )
  })
}
