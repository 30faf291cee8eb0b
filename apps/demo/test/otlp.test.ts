/**
 * OpenTelemetry export: the demo, started as `pnpm demo` is with `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * sends its traces to a real OTLP/HTTP receiver (`support/otlpReceiver.ts`, decoding the protobuf or
 * JSON the exporter posts), in both OTLP/HTTP protocols. One `POST /orders` is one trace, from the HTTP request span through the command
 * dispatch, the repository, the append and the inline projections; one `POST /saga/place-order` is
 * one trace holding its saga steps. The metrics arrive too (the HTTP request histogram among them).
 * With async projections (`CELLO_REDIS_URL`), each projection applies the request's events in a span
 * of its own linked to the request's trace.
 */
import { randomUUID } from "node:crypto"
import { RedisClient } from "@cello/store-redis"
import { PgClient } from "@effect/sql-pg"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Client, client, type Demo, startDemo, text } from "./support/demo.js"
import { type MetricPoint, type Span, startReceiver } from "./support/otlpReceiver.js"

/** The spans of the one trace whose root is the HTTP server span of `route`. */
/** Creates an order, then ships it: a new aggregate (no read) and a loaded one, each a trace of its own. */
const createAndShip = async (api: Client) => {
  const created = await api.post("/orders", { product: "Widget", quantity: 2, price: 5 })
  expect(created.status).toBe(201)
  expect((await api.post(`/orders/${text(created.body, "data", "order_id")}/ship`)).status).toBe(200)
}

const traceOf = (spans: ReadonlyArray<Span>, route: string): ReadonlyArray<Span> => {
  const roots = spans.filter((s) => s.attributes["http.route"] === route)
  expect(roots.map((s) => [s.name, s.parentSpanId])).toEqual([["POST", undefined]])
  const traceId = roots[0]?.traceId
  return spans.filter((s) => s.traceId === traceId)
}

/** Every span of a trace reaches the root through its parents (none dangles in another trace). */
const connected = (trace: ReadonlyArray<Span>): boolean => {
  const ids = new Set(trace.map((s) => s.spanId))
  return trace.every((s) => s.parentSpanId === undefined || ids.has(s.parentSpanId))
}

describe.each([
  ["http/protobuf", "application/x-protobuf"],
  ["http/json", "application/json"]
])("OpenTelemetry export (OTEL_EXPORTER_OTLP_PROTOCOL=%s)", (protocol, contentType) => {
  let otlp: Awaited<ReturnType<typeof startReceiver>>
  let demo: Demo

  beforeAll(async () => {
    otlp = await startReceiver()
    demo = await startDemo({
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_SERVICE_NAME: "demo-under-test",
      // The flush at the graceful stop may take up to a minute (the default is 3 s): on a CI machine
      // running every package's tests at once, the export had not gone out when the 3 s were over.
      OTEL_EXPORTER_OTLP_TIMEOUT: "60000"
    })
    const api = client(demo.url)
    await createAndShip(api)
    const placed = await api.post("/saga/place-order", {
      user_id: "otlp",
      product: "Widget",
      quantity: 1,
      price: 5
    })
    expect(placed.status).toBe(201)
    // A graceful stop flushes what the exporter still holds.
    await demo.stop()
  }, 180_000)

  afterAll(async () => {
    await demo?.stop()
    otlp?.close()
  })

  it("exports as OTEL_SERVICE_NAME, in that protocol, traces and metrics to their standard paths", () => {
    expect([...otlp.services]).toEqual(["demo-under-test"])
    expect([...otlp.contentTypes]).toEqual([contentType])
    expect([...otlp.paths]).toEqual(expect.arrayContaining(["/v1/traces", "/v1/metrics"]))
  })

  it("exports the HTTP metrics: the request duration histogram and the request counter of POST /orders", () => {
    const series = (metric: string): ReadonlyArray<MetricPoint> =>
      otlp.metrics.filter(
        (p) => p.metric === metric && p.attributes.method === "POST" && p.attributes.route === "/orders"
      )
    const durations = series("http_request_duration_seconds")
    expect(durations.map((p) => p.kind)).toContain("histogram")
    // Cumulative: every export of the series counts the one request, with its positive duration.
    for (const p of durations) {
      expect(p.count).toBe(1)
      expect(p.sum).toBeGreaterThan(0)
    }
    const requests = series("http_requests_total").filter((p) => p.attributes.status === "201")
    expect(requests.map((p) => [p.kind, p.value])).toContainEqual(["sum", 1])
  })

  it("makes one trace of a POST /orders: HTTP, command, repository, append, inline projections", () => {
    const trace = traceOf(otlp.spans, "/orders")
    expect(connected(trace)).toBe(true)
    const names = trace.map((s) => s.name)
    for (const name of [
      "CommandBus.dispatch CreateOrder",
      "Repository.create",
      "Repository.save",
      "EventStore.append"
    ])
      expect(names.filter((n) => n === name)).toEqual([name])
    // A new order is decided on the initial state: nothing is read.
    expect(names).not.toContain("Repository.load")
    expect(names).not.toContain("EventStore.readStreamPayloads")
    // Shipping it loads it first, in its own trace.
    const shipped = traceOf(otlp.spans, "/orders/:id/ship")
    expect(connected(shipped)).toBe(true)
    const shipNames = shipped.map((s) => s.name)
    for (const name of [
      "CommandBus.dispatch ShipOrder",
      "Repository.handle",
      "Repository.load",
      "EventStore.readStreamPayloads",
      "Repository.save",
      "EventStore.append"
    ])
      expect(shipNames.filter((n) => n === name)).toEqual([name])
    // The shop's inline projections, each inside the append.
    const append = trace.find((s) => s.name === "EventStore.append")
    const projections = trace.filter((s) => s.name === "Projection.apply")
    expect(projections.length).toBeGreaterThan(0)
    for (const p of projections) expect(p.parentSpanId).toBe(append?.spanId)
    expect(projections.map((p) => p.attributes["cello.projection"])).toEqual(
      expect.arrayContaining([expect.any(String)])
    )
    // No span of the request was left in a trace of its own.
    const dispatches = otlp.spans.filter((s) => s.name === "CommandBus.dispatch CreateOrder")
    expect(dispatches.map((s) => s.traceId)).toEqual([trace[0]?.traceId])
  })

  it("makes one trace of a POST /saga/place-order holding its saga's steps", () => {
    const trace = traceOf(otlp.spans, "/saga/place-order")
    expect(connected(trace)).toBe(true)
    const names = trace.map((s) => s.name)
    expect(names).toEqual(
      expect.arrayContaining(["CommandBus.dispatch PlaceOrder", "SagaOrchestrator.execute"])
    )
    const steps = trace.filter((s) => s.name === "Saga.step")
    expect(steps.map((s) => s.attributes["cello.step"])).toEqual([
      "reserve_inventory",
      "process_payment",
      "create_order",
      "confirm_order"
    ])
    // No step ran outside this trace, and each holds the command it dispatched and that command's append.
    expect(otlp.spans.filter((s) => s.name === "Saga.step").length).toBe(steps.length)
    const below = (parent: Span, name: string): boolean =>
      trace.some((s) => s.parentSpanId === parent.spanId && (s.name.startsWith(name) || below(s, name)))
    for (const step of steps) {
      expect(below(step, "CommandBus.dispatch")).toBe(true)
      expect(below(step, "EventStore.append")).toBe(true)
    }
  })
})

// On PostgreSQL the store's statements are spans too (effect's SQL client opens them), in the same trace.
describe("OpenTelemetry export on PostgreSQL: the store's statements", () => {
  const url = process.env.CELLO_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
  const schema = `cello_demo_otlp_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`
  const database = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(url) }))
  let otlp: Awaited<ReturnType<typeof startReceiver>>
  let demo: Demo

  beforeAll(async () => {
    otlp = await startReceiver()
    demo = await startDemo({
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      CELLO_DATABASE_URL: url,
      CELLO_DATABASE_SCHEMA: schema,
      CELLO_DEMO_EMBEDDED: ""
    })
    await createAndShip(client(demo.url))
    await demo.stop()
  }, 120_000)

  afterAll(async () => {
    await demo?.stop()
    otlp?.close()
    await database.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
    )
    await database.dispose()
  }, 60_000)

  it("puts the append's statement under EventStore.append and the read model's writes under Projection.apply", () => {
    const statementsUnder = (trace: ReadonlyArray<Span>, name: string): string => {
      const parents = new Set(trace.filter((s) => s.name === name).map((s) => s.spanId))
      const inside = (span: Span): boolean =>
        span.parentSpanId !== undefined &&
        (parents.has(span.parentSpanId) || trace.some((p) => p.spanId === span.parentSpanId && inside(p)))
      return trace
        .filter((s) => inside(s))
        .map((s) => String(s.attributes["db.query.text"] ?? ""))
        .join("\n")
    }
    const created = traceOf(otlp.spans, "/orders")
    expect(connected(created)).toBe(true)
    expect(statementsUnder(created, "EventStore.append")).toContain(`"${schema}"."append_events"`)
    expect(statementsUnder(created, "Projection.apply")).toContain(`"${schema}"."read_models"`)
    // The ship loads the order: its read is a statement of its own.
    const shipped = traceOf(otlp.spans, "/orders/:id/ship")
    expect(connected(shipped)).toBe(true)
    expect(statementsUnder(shipped, "EventStore.readStreamPayloads")).toContain(`"${schema}"."events"`)
  })
})

// With Redis the demo's projections are async: each runner applies a page of events in a root span of
// its own (`ProjectionRunner.apply`), linked to the append span of the request whose events it holds.
describe("OpenTelemetry export with async projections: each page links to the request's trace", () => {
  const url = "redis://127.0.0.1:6379"
  const prefix = `cello-demo-otlp:${randomUUID()}:`
  const redis = ManagedRuntime.make(RedisClient.layer({ url, keyPrefix: prefix }))
  let otlp: Awaited<ReturnType<typeof startReceiver>>
  let demo: Demo

  beforeAll(async () => {
    otlp = await startReceiver()
    demo = await startDemo({
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      CELLO_REDIS_URL: url,
      CELLO_REDIS_PREFIX: prefix
    })
    // Answered once the projections passed the request's events (read your writes).
    const created = await client(demo.url).post("/orders", { product: "Widget", quantity: 2, price: 5 })
    expect(created.status).toBe(201)
    expect(created.headers.get("x-cello-read-models")).toBeNull()
    await demo.stop()
  }, 180_000)

  afterAll(async () => {
    await demo?.stop()
    otlp?.close()
    await redis.runPromise(
      Effect.flatMap(RedisClient.RedisClient, (c) =>
        Effect.promise(async () => {
          const left = await c.redis.keys(`${prefix}*`)
          if (left.length > 0) await c.redis.del(...left)
        })
      )
    )
    await redis.dispose()
  })

  it("applies the POST's events in a projection span linked to the request's append", () => {
    const trace = traceOf(otlp.spans, "/orders")
    expect(connected(trace)).toBe(true)
    const appends = trace.filter((s) => s.name === "EventStore.append")
    expect(appends).toHaveLength(1)
    const append = appends[0]
    // No inline projection: the request's trace holds none.
    expect(trace.filter((s) => s.name === "Projection.apply")).toEqual([])
    const linked = otlp.spans.filter(
      (s) =>
        s.name === "ProjectionRunner.apply" &&
        s.links.some((l) => l.traceId === append?.traceId && l.spanId === append?.spanId)
    )
    // The shop's orders projection reads OrderCreated; every runner reads the page the event is in.
    expect(linked.map((s) => s.attributes["cello.projection"])).toContain("shop-orders")
    for (const page of linked) {
      expect(page.parentSpanId).toBeUndefined()
      expect(page.traceId).not.toBe(append?.traceId)
    }
  })
})
