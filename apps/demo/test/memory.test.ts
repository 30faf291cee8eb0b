/** Both examples end to end over real HTTP, on the in-memory store (what `pnpm demo` runs). */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Client, client, type Demo, startDemo } from "./support/demo.js"
import { hostileInputSuite } from "./support/hostileInput.js"
import { badInputSuite, bankSuite, shopSuite } from "./support/scenarios.js"

let demo: Demo
let api: Client

beforeAll(async () => {
  demo = await startDemo()
  api = client(demo.url)
}, 60_000)

afterAll(() => demo.stop())

describe("the demo on the memory store", () => {
  it("says what it serves at /, is healthy, and exposes metrics and OpenAPI", async () => {
    const root = await api.get("/")
    expect(root.status).toBe(200)
    expect(root.body).toMatchObject({
      service: "cello-demo",
      examples: {
        bank: { commands: "/api/commands" },
        orders: { endpoints: { "POST /saga/place-order": expect.any(String) } }
      }
    })
    const health = await api.get("/health")
    expect(health.status).toBe(200)
    expect(health.body).toMatchObject({
      status: "ok",
      checks: { "event-store": { status: "up" }, "saga-store": { status: "up" } }
    })
    expect((await api.get("/events/stats")).body).toMatchObject({ store_type: "memory" })
    const metrics = await api.get("/metrics")
    expect(metrics.status).toBe(200)
    expect(String(metrics.body)).toContain("http_requests_total")
    const openapi = await api.get("/openapi.json")
    expect(openapi.body).toMatchObject({ paths: { "/orders": expect.anything() } })
  })

  it("starts with the seed's inventory", async () => {
    expect((await api.get("/inventory")).body).toEqual({
      inventory: { Widget: 100, Gadget: 50, Gizmo: 25 },
      total_products: 3
    })
  })

  bankSuite(() => api)
  shopSuite(() => api)
  badInputSuite(() => api)
  hostileInputSuite(() => api)
})
