import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, References } from "effect"
import { HttpAdapter } from "../src/index.js"
import { at, call, json, servers } from "./support.js"

for (const [server, withServer] of servers) {
  describe(`health (${server})`, () => {
    it.live("ready is 200 with the event store's check when it answers", () =>
      withServer((base) =>
        Effect.gen(function* () {
          for (const path of ["/health", "/health/ready"]) {
            const ready = yield* call(`${base}${path}`)
            assert.strictEqual(ready.status, 200)
            assert.strictEqual(at(ready.body, "status"), "ok")
            assert.strictEqual(at(ready.body, "checks", "event-store", "status"), "up")
            assert.isNumber(at(ready.body, "checks", "event-store", "latencyMs"))
          }
          assert.deepStrictEqual((yield* call(`${base}/health/live`)).body, { status: "ok" })
        })
      )
    )

    it.live("ready is 503 (never 200) when any check fails, naming it without internals", () =>
      Effect.promise(async () => {
        const app = HttpAdapter.make<never>({
          routes: [],
          healthChecks: [
            HttpAdapter.healthCheck("cache", Effect.void),
            HttpAdapter.healthCheck("payments", Effect.fail(new Error("postgres://user:secret@db"))),
            HttpAdapter.healthCheck("broken", Effect.die("boom"))
          ]
        })
        const { handler, dispose } = HttpAdapter.toWebHandler(app)
        const response = await handler(new Request("http://test/health/ready"))
        const text = await response.text()
        await dispose()
        assert.strictEqual(response.status, 503)
        const body: unknown = JSON.parse(text)
        assert.strictEqual(at(body, "status"), "unavailable")
        assert.strictEqual(at(body, "checks", "cache", "status"), "up")
        assert.strictEqual(at(body, "checks", "payments", "status"), "down")
        assert.strictEqual(at(body, "checks", "payments", "error"), "failed")
        assert.strictEqual(at(body, "checks", "broken", "status"), "down")
        assert.notInclude(text, "secret")
      })
    )
  })
}

for (const [server, withServer] of servers) {
  describe(`metrics, request ids, docs (${server})`, () => {
    it.live("/metrics is Prometheus text with requests by method, route template and status", () =>
      withServer((base) =>
        Effect.gen(function* () {
          yield* call(`${base}/orders/some-id`)
          const metrics = yield* call(`${base}/metrics`)
          assert.strictEqual(metrics.status, 200)
          assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/)
          assert.match(metrics.text, /http_requests_total\{[^}]*route="\/orders\/:id"[^}]*\} \d+/)
          assert.match(metrics.text, /http_requests_total\{[^}]*status="404"/)
          assert.include(metrics.text, "http_request_duration_seconds_bucket")
        })
      )
    )

    it.live("x-request-id is honoured and echoed; a made-up one is sent when missing or odd", () =>
      withServer((base) =>
        Effect.gen(function* () {
          const given = yield* call(`${base}/health/live`, { headers: { "x-request-id": "req-42" } })
          assert.strictEqual(given.headers.get("x-request-id"), "req-42")
          const odd = yield* call(`${base}/health/live`, { headers: { "x-request-id": "has space" } })
          assert.match(odd.headers.get("x-request-id") ?? "", /^[0-9a-f]{32}$/)
          const problem = yield* call(`${base}/nowhere`, json({}))
          assert.match(problem.headers.get("x-request-id") ?? "", /^[0-9a-f]{32}$/)
        })
      )
    )

    it.live(
      "one log line per request at Debug, annotated with its ids; none at the default level, Info",
      () =>
        Effect.promise(async () => {
          const lines: Array<{ readonly message: unknown; readonly annotations: Record<string, unknown> }> =
            []
          const collect = Logger.layer([
            Logger.make(({ message, fiber }) => {
              lines.push({ message, annotations: fiber.getRef(References.CurrentLogAnnotations) })
            })
          ])
          const app = HttpAdapter.make<never>({ routes: [] })
          const requestAt = async (level: "Debug" | "Info") => {
            const { handler, dispose } = HttpAdapter.toWebHandler(
              app.pipe(
                Layer.provide(collect),
                Layer.provide(Layer.succeed(References.MinimumLogLevel, level))
              )
            )
            const response = await handler(
              new Request("http://test/health/live?x=1", {
                headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }
              })
            )
            await response.text()
            await dispose()
            return response.headers.get("x-request-id")
          }
          const requestId = await requestAt("Debug")
          assert.deepStrictEqual(
            lines.map((l) => [
              l.message,
              l.annotations.requestId,
              l.annotations.traceId,
              l.annotations.status
            ]),
            [[["GET /health/live?x=1 200"], requestId, "0af7651916cd43dd8448eb211c80319c", 200]]
          )
          await requestAt("Info")
          assert.strictEqual(lines.length, 1)
        })
    )

    it.live(
      "/openapi.json documents each route from its schemas; /docs lists them for readers without scripts",
      () =>
        withServer((base) =>
          Effect.gen(function* () {
            const doc = (yield* call(`${base}/openapi.json`)).body
            assert.strictEqual(at(doc, "openapi"), "3.1.0")
            assert.strictEqual(at(doc, "paths", "/orders", "post", "operationId"), "PlaceOrder")
            assert.isObject(at(doc, "paths", "/orders", "post", "responses", "201"))
            assert.include(JSON.stringify(at(doc, "paths", "/orders", "post", "requestBody")), '"minItems":1')
            assert.strictEqual(at(doc, "paths", "/orders/{id}", "get", "operationId"), "GetOrder")
            // The Option success is documented as its value.
            assert.include(
              JSON.stringify(at(doc, "paths", "/orders/{id}", "get", "responses", "200")),
              '"version"'
            )
            assert.notInclude(
              JSON.stringify(at(doc, "paths", "/orders/{id}", "get", "responses", "200")),
              '"Some"'
            )
            assert.strictEqual(at(doc, "paths", "/orders/{id}/ship", "post", "operationId"), "ShipOrder")
            const docs = yield* call(`${base}/docs`)
            assert.include(docs.text, "<code>/orders/:id/ship</code>")
            assert.include(docs.text, 'href="/openapi.json"')
            // Swagger UI from this server only (no CDN), and the table for readers without scripts.
            const sources = Array.from(
              docs.text.matchAll(/<(?:script|link rel="stylesheet")[^>]*(?:src|href)="([^"]+)"/g),
              (m) => m[1]
            )
            assert.deepStrictEqual(sources, [
              "/docs/swagger-ui.css",
              "/docs/swagger-ui-bundle.js",
              "/docs/swagger-init.js"
            ])
            assert.match(docs.text, /<noscript>[\s\S]*<code>\/orders\/:id\/ship<\/code>[\s\S]*<\/noscript>/)
            for (const path of sources)
              assert.strictEqual((yield* call(`${base}${path ?? ""}`)).status, 200, path)
          })
        )
    )
  })
}

describe("toWebHandler", () => {
  it.live("serves the same app without a socket", () =>
    Effect.promise(async () => {
      const { App } = await import("../examples/orders.js")
      const { handler, dispose } = HttpAdapter.toWebHandler(Layer.fresh(App))
      const created = await handler(
        new Request("http://test/orders", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ items: ["Gadget"] })
        })
      )
      const location = created.headers.get("location") ?? ""
      const read = await handler(new Request(`http://test${location}`))
      const body: unknown = await read.json()
      await dispose()
      assert.strictEqual(created.status, 201)
      assert.strictEqual(at(body, "status"), "placed")
    })
  )
})
