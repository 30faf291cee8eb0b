import { CommandBus, QueryBus } from "@cello/cqrs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpAdapter } from "../src/index.js"
import { at, baseUrl, call, json, withServer } from "./support.js"

describe("If-Match: one rule on every route", () => {
  it.live(
    "a malformed header is a 400 problem everywhere; a command without a version ignores a sane one",
    () =>
      withServer((base) =>
        Effect.gen(function* () {
          const created = yield* call(`${base}/orders`, json({ items: ["Widget"] }))
          const location = created.headers.get("location") ?? ""
          const malformed = { "if-match": "abc" }
          for (const [what, answer] of [
            ["GET order", yield* call(`${base}${location}`, { headers: malformed })],
            ["POST ship", yield* call(`${base}${location}/ship`, json({}, malformed))],
            ["POST orders", yield* call(`${base}/orders`, json({ items: ["x"] }, malformed))],
            ["GET health", yield* call(`${base}/health`, { headers: malformed })]
          ] as const) {
            assert.strictEqual(answer.status, 400, what)
            assert.strictEqual(at(answer.body, "type"), "urn:cello:problem:malformed-if-match", what)
          }
          // PlaceOrder takes no expected version: If-Match is not evaluated (nor documented) there.
          const placed = yield* call(`${base}/orders`, json({ items: ["x"] }, { "if-match": '"99"' }))
          assert.strictEqual(placed.status, 201)
          const doc = (yield* call(`${base}/openapi.json`)).body
          const names = (op: unknown) =>
            Array.isArray(at(op, "parameters")) ? JSON.stringify(at(op, "parameters")) : ""
          assert.notInclude(names(at(doc, "paths", "/orders", "post")), "If-Match")
          assert.isUndefined(at(doc, "paths", "/orders", "post", "responses", "412"))
          assert.include(names(at(doc, "paths", "/orders/{id}/ship", "post")), "If-Match")
          assert.isObject(at(doc, "paths", "/orders/{id}/ship", "post", "responses", "412"))
        })
      )
  )
})

describe("headers on every answer", () => {
  it.live("X-Content-Type-Options: nosniff on JSON, problems, HTML and text; charset and CSP on HTML", () =>
    withServer((base) =>
      Effect.gen(function* () {
        const answers = [
          yield* call(`${base}/orders`, json({ items: ["Widget"] })),
          yield* call(`${base}/orders`, json({ items: [] })),
          yield* call(`${base}/nowhere`),
          yield* call(`${base}/docs`),
          yield* call(`${base}/metrics`),
          yield* call(`${base}/openapi.json`)
        ]
        for (const answer of answers) {
          assert.strictEqual(answer.headers.get("x-content-type-options"), "nosniff", String(answer.status))
          assert.isNotNull(answer.headers.get("x-request-id"))
        }
        const docs = answers[3]
        assert.strictEqual(docs?.headers.get("content-type"), "text/html; charset=utf-8")
        assert.include(docs?.headers.get("content-security-policy") ?? "", "default-src 'none'")
      })
    )
  )
})

describe("GET / with a discovery document", () => {
  const HomeApp = HttpAdapter.make({ routes: [], home: { service: "seats" } }).pipe(
    Layer.provide(Layer.mergeAll(CommandBus.layer(), QueryBus.layer()))
  )
  it.live("JSON clients get the document; a browser gets a page of links with charset and CSP", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      const forJson = yield* call(`${base}/`, { headers: { accept: "application/json" } })
      assert.deepStrictEqual([forJson.status, forJson.body], [200, { service: "seats" }])
      const page = yield* call(`${base}/`, {
        headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" }
      })
      assert.strictEqual(page.status, 200)
      assert.strictEqual(page.headers.get("content-type"), "text/html; charset=utf-8")
      assert.include(page.headers.get("content-security-policy") ?? "", "default-src 'none'")
      for (const href of ["/docs", "/openapi.json", "/health", "/metrics"])
        assert.include(page.text, `href="${href}"`)
      assert.notInclude(page.text, 'href="/events"')
    }).pipe(Effect.provide(Layer.fresh(HttpAdapter.serve(HomeApp, { host: "127.0.0.1", port: 0 }))))
  )
})

describe("HEAD, bad paths, unknown routes", () => {
  it.live("HEAD answers every GET route with its status and headers and no body", () =>
    withServer((base) =>
      Effect.gen(function* () {
        const created = yield* call(`${base}/orders`, json({ items: ["Widget"] }))
        const location = created.headers.get("location") ?? ""
        for (const path of ["/health", "/openapi.json", "/metrics", location]) {
          const head = yield* call(`${base}${path}`, { method: "HEAD" })
          assert.strictEqual(head.status, 200, path)
          assert.strictEqual(head.text, "", path)
          assert.isNotNull(head.headers.get("x-request-id"), path)
        }
        assert.strictEqual((yield* call(`${base}${location}`, { method: "HEAD" })).headers.get("etag"), '"1"')
        assert.strictEqual((yield* call(`${base}/nowhere`, { method: "HEAD" })).status, 404)
      })
    )
  )

  it.live(
    "a path that is not valid percent-encoding is a 400 problem; an unknown method or path a 404 problem",
    () =>
      withServer((base) =>
        Effect.gen(function* () {
          for (const path of ["/orders/%", "/orders/%zz/ship", "/nowhere/%"]) {
            const bad = yield* call(`${base}${path}`)
            assert.strictEqual(bad.status, 400, path)
            assert.strictEqual(at(bad.body, "type"), "urn:cello:problem:malformed-path", path)
            assert.isNotNull(bad.headers.get("x-request-id"), path)
            assert.strictEqual(bad.headers.get("x-content-type-options"), "nosniff", path)
          }
          const options = yield* call(`${base}/orders`, { method: "OPTIONS" })
          assert.strictEqual(options.status, 404)
          assert.strictEqual(at(options.body, "type"), "urn:cello:problem:route-not-found")
          assert.isNotNull(options.headers.get("x-request-id"))
          const refused = yield* call(
            `${base}/orders`,
            json({ items: ["x"] }, { origin: "https://evil.example" })
          )
          assert.strictEqual(refused.status, 403)
          assert.isNotNull(refused.headers.get("x-request-id"))
        })
      )
  )
})
