/**
 * The demo's app mounted in a fastify server an app already has, through `HttpAdapter.nodeListener`
 * and the adapter's fastify plugin: the adapter's answers (statuses, problems, ETags, health,
 * metrics, OpenAPI) hold on that server, beside a route of fastify's own.
 */
import { HttpAdapter } from "@cello/http-adapter"
import * as CelloFastify from "@cello/http-adapter/fastify"
import { ConfigProvider, Layer, ManagedRuntime, References } from "effect"
import Fastify from "fastify"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeApp } from "../src/app.js"
import { memory } from "./support/inProcess.js"

const runtime = ManagedRuntime.make(
  HttpAdapter.nodeListener(makeApp(memory)).pipe(
    Layer.provide(Layer.succeed(References.MinimumLogLevel, "Error")),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: {} })))
  )
)
const server = Fastify({ logger: false })
let base = ""

beforeAll(async () => {
  const listener = await runtime.runPromise(HttpAdapter.NodeListener.useSync((l) => l))
  server.get("/own", async () => ({ served: "by fastify" }))
  await server.register(CelloFastify.plugin(listener))
  base = await server.listen({ host: "127.0.0.1", port: 0 })
})

afterAll(async () => {
  await server.close()
  await runtime.dispose()
})

describe("the demo mounted in fastify", () => {
  it("creates an order (201, Location) and reads it back with its ETag", async () => {
    const created = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user_id: "u1", product: "Widget", quantity: 2, price: 5 })
    })
    expect(created.status).toBe(201)
    const location = created.headers.get("location") ?? ""
    expect(location).toMatch(/^\/orders\/order-/)
    expect(created.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/)
    const read = await fetch(`${base}${location}`)
    expect(read.status).toBe(200)
    expect(read.headers.get("etag")).toBe('"1"')
  })

  it("answers bad input and unknown routes with problems", async () => {
    const invalid = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ quantity: 0 })
    })
    expect(invalid.status).toBe(422)
    expect(invalid.headers.get("content-type")).toBe("application/problem+json")
    const malformed = await fetch(`${base}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json"
    })
    expect(malformed.status).toBe(400)
    const missing = await fetch(`${base}/no/such/route`)
    expect(missing.status).toBe(404)
    expect(missing.headers.get("content-type")).toBe("application/problem+json")
    expect(missing.headers.get("x-content-type-options")).toBe("nosniff")
  })

  it("serves health, metrics and the OpenAPI document, beside fastify's own routes", async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200)
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(
      /http_requests_total\{[^}]*route="\/orders"/
    )
    expect(await (await fetch(`${base}/openapi.json`)).json()).toMatchObject({ openapi: "3.1.0" })
    expect(await (await fetch(`${base}/own`)).json()).toEqual({ served: "by fastify" })
  })
})
