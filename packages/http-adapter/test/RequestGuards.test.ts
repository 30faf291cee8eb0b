/**
 * What every route of the adapter refuses before a handler runs: bodies that are not JSON (415),
 * text a store would choke on and numbers JSON cannot carry (422 naming the field), and writes from
 * web pages of origins not in the CORS allow-list (403). Nothing is written in any of these cases.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { App } from "../examples/orders.js"
import { HttpAdapter } from "../src/index.js"
import { at, baseUrl, call, eventCount, json, withServer } from "./support.js"

const post = (body: string, headers: Record<string, string>): RequestInit => ({
  method: "POST",
  headers,
  body
})

const withCors = <A, E, R>(origins: ReadonlyArray<string>, f: (base: string) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    return yield* f(yield* baseUrl)
  }).pipe(
    Effect.provide(Layer.fresh(HttpAdapter.serve(App, { host: "127.0.0.1", port: 0, corsOrigins: origins })))
  )

describe("Content-Type", () => {
  it.live("a JSON route answers 415 to any body not sent as JSON, and writes nothing", () =>
    withServer((base) =>
      Effect.gen(function* () {
        const body = JSON.stringify({ items: ["Widget"] })
        const before = yield* eventCount
        for (const contentType of [
          "text/plain",
          "text/plain;charset=UTF-8",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/jsonp",
          "application/json-seq",
          "text/json"
        ]) {
          const res = yield* call(`${base}/orders`, post(body, { "content-type": contentType }))
          assert.strictEqual(res.status, 415, contentType)
          assert.strictEqual(at(res.body, "type"), "urn:cello:problem:unsupported-media-type")
        }
        // A body with no Content-Type at all (fetch with a Uint8Array body sends none).
        const untyped = yield* call(`${base}/orders`, {
          method: "POST",
          body: new TextEncoder().encode(body)
        })
        assert.strictEqual(untyped.status, 415)
        assert.strictEqual(yield* eventCount, before)
      })
    )
  )

  it.live("accepts application/json and +json types, with parameters, in any case", () =>
    withServer((base) =>
      Effect.gen(function* () {
        const body = JSON.stringify({ items: ["Widget"] })
        for (const contentType of [
          "application/json",
          "application/json; charset=utf-8",
          "APPLICATION/JSON",
          "application/merge-patch+json",
          "application/vnd.api+json"
        ]) {
          const res = yield* call(`${base}/orders`, post(body, { "content-type": contentType }))
          assert.strictEqual(res.status, 201, contentType)
        }
      })
    )
  )
})

/** A body sent in chunks with no Content-Length (`Transfer-Encoding: chunked`), as a stream sends it. */
const chunked = (parts: ReadonlyArray<string>): RequestInit & { readonly duplex: "half" } => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(new TextEncoder().encode(part))
      controller.close()
    }
  }),
  duplex: "half"
})

describe("body limit", () => {
  const limit = 256
  const withLimit = <A, E, R>(f: (base: string) => Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      return yield* f(yield* baseUrl)
    }).pipe(
      Effect.provide(Layer.fresh(HttpAdapter.serve(App, { host: "127.0.0.1", port: 0, bodyLimit: limit })))
    )

  it.live("a chunked body is read within the limit and refused with 413 past it, writing nothing", () =>
    withLimit((base) =>
      Effect.gen(function* () {
        const before = yield* eventCount
        const within = yield* call(`${base}/orders`, chunked(['{"items":', '["Widget"', "]}"]))
        assert.strictEqual(within.status, 201)
        const after = yield* eventCount
        // No Content-Length to refuse up front: the reader stops at the limit.
        const past = yield* call(
          `${base}/orders`,
          chunked(['{"items":["', ...Array.from({ length: 8 }, () => "x".repeat(100)), '"]}'])
        )
        assert.strictEqual(past.status, 413)
        assert.strictEqual(at(past.body, "type"), "urn:cello:problem:body-too-large")
        assert.strictEqual(yield* eventCount, after)
        assert.isAbove(after, before)
      })
    )
  )
})

describe("strings and numbers in any payload", () => {
  it.live("NUL, lone surrogates and non-finite numbers answer 422 naming the field, and write nothing", () =>
    withServer((base) =>
      Effect.gen(function* () {
        const before = yield* eventCount
        const cases: ReadonlyArray<readonly [string, string]> = [
          [JSON.stringify({ items: ["Wid\u0000get"] }), "items.0"],
          [JSON.stringify({ items: ["ok", "\ud800"] }), "items.1"],
          [JSON.stringify({ items: ["\udc00x"] }), "items.0"],
          [JSON.stringify({ items: ["Widget"], "no\u0000te": "x" }), "(key)"],
          ['{"items": ["Widget"], "weight": 1e400}', "weight"],
          ['{"items": ["Widget"], "nested": {"deep": [-1e999]}}', "nested.deep.0"]
        ]
        for (const [body, field] of cases) {
          const res = yield* call(`${base}/orders`, post(body, { "content-type": "application/json" }))
          assert.strictEqual(res.status, 422, body)
          const errors = at(res.body, "errors")
          assert.isArray(errors)
          assert.include(JSON.stringify(errors), `"path":"${field}"`, body)
        }
        // A well-formed pair is text like any other.
        const emoji = yield* call(`${base}/orders`, json({ items: ["\ud83d\ude00"] }))
        assert.strictEqual(emoji.status, 201)
        assert.strictEqual(yield* eventCount, before + 1)
      })
    )
  )
})

describe("CORS and cross-origin writes", () => {
  it.live(
    "off by default: no CORS headers, and a write from another origin is 403 with nothing written",
    () =>
      withServer((base) =>
        Effect.gen(function* () {
          const before = yield* eventCount
          const evil = { origin: "https://evil.example", "content-type": "application/json" }
          const write = yield* call(`${base}/orders`, post(JSON.stringify({ items: ["x"] }), evil))
          assert.strictEqual(write.status, 403)
          assert.strictEqual(at(write.body, "type"), "urn:cello:problem:cross-origin-refused")
          assert.isNull(write.headers.get("access-control-allow-origin"))
          // A bodyless write (what fetch with mode "no-cors" sends) is refused the same way.
          const bare = yield* call(`${base}/orders`, { method: "POST", headers: { origin: "null" } })
          assert.strictEqual(bare.status, 403)
          assert.strictEqual(yield* eventCount, before)
          const read = yield* call(`${base}/health/live`, { headers: { origin: "https://evil.example" } })
          assert.strictEqual(read.status, 200)
          assert.isNull(read.headers.get("access-control-allow-origin"))
          const preflight = yield* call(`${base}/orders`, {
            method: "OPTIONS",
            headers: { origin: "https://evil.example", "access-control-request-method": "POST" }
          })
          assert.isNull(preflight.headers.get("access-control-allow-origin"))
          // The server's own origin (a page it serves) may write.
          const own = yield* call(`${base}/orders`, json({ items: ["x"] }, { origin: base }))
          assert.strictEqual(own.status, 201)
        })
      )
  )

  it.live("with an allow-list: listed origins get preflights and CORS headers, others are refused", () =>
    withCors(["https://app.example/"], (base) =>
      Effect.gen(function* () {
        const preflight = yield* call(`${base}/orders`, {
          method: "OPTIONS",
          headers: {
            origin: "https://app.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type"
          }
        })
        assert.strictEqual(preflight.status, 204)
        assert.strictEqual(preflight.headers.get("access-control-allow-origin"), "https://app.example")
        assert.include(preflight.headers.get("access-control-allow-headers") ?? "", "content-type")
        assert.include(preflight.headers.get("access-control-allow-methods") ?? "", "POST")
        const write = yield* call(`${base}/orders`, json({ items: ["x"] }, { origin: "https://app.example" }))
        assert.strictEqual(write.status, 201)
        assert.strictEqual(write.headers.get("access-control-allow-origin"), "https://app.example")
        assert.include(write.headers.get("access-control-expose-headers") ?? "", "location")
        const other = yield* call(
          `${base}/orders`,
          json({ items: ["x"] }, { origin: "https://app.example.evil" })
        )
        assert.strictEqual(other.status, 403)
        assert.isNull(other.headers.get("access-control-allow-origin"))
      })
    )
  )
})
