/**
 * OpenTelemetry export: the demo, started as `pnpm demo` is with `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * sends its traces to a real OTLP/HTTP receiver (a node:http server here, decoding the OTLP JSON the
 * exporter posts). One `POST /orders` is one trace, from the HTTP request span through the command
 * dispatch, the repository, the append and the inline projections; one `POST /saga/place-order` is
 * one trace holding its saga steps.
 */
import { once } from "node:events"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { at, client, type Demo, startDemo, text } from "./support/demo.js"

interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly attributes: Readonly<Record<string, unknown>>
}

/** OTLP JSON attributes (`[{ key, value: { stringValue } }]`) as a record of their values. */
const attributesOf = (list: unknown): Record<string, unknown> =>
  Object.fromEntries(
    (Array.isArray(list) ? list : []).map((a) => {
      const value = at(a, "value")
      return [
        String(at(a, "key")),
        typeof value === "object" && value !== null ? Object.values(value)[0] : value
      ]
    })
  )

const bodyOf = async (request: IncomingMessage): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of request) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks).toString("utf8")
}

/** The OTLP/HTTP receiver: keeps every span and the service names posted to `/v1/traces`. */
const receiver = () => {
  const spans: Array<Span> = []
  const services = new Set<string>()
  const paths = new Set<string>()
  const server = createServer(async (request, response) => {
    const body = await bodyOf(request)
    paths.add(request.url ?? "")
    if (request.url === "/v1/traces") {
      const resourceSpans = at(JSON.parse(body), "resourceSpans")
      for (const resource of Array.isArray(resourceSpans) ? resourceSpans : []) {
        services.add(String(attributesOf(at(resource, "resource", "attributes"))["service.name"]))
        const scopes = at(resource, "scopeSpans")
        for (const scope of Array.isArray(scopes) ? scopes : []) {
          const found = at(scope, "spans")
          for (const span of Array.isArray(found) ? found : []) {
            const parent = at(span, "parentSpanId")
            spans.push({
              traceId: text(span, "traceId"),
              spanId: text(span, "spanId"),
              name: text(span, "name"),
              attributes: attributesOf(at(span, "attributes")),
              ...(typeof parent === "string" && parent !== "" ? { parentSpanId: parent } : {})
            })
          }
        }
      }
    }
    response.writeHead(200, { "content-type": "application/json" }).end("{}")
  })
  return { server, spans, services, paths }
}

/** The spans of the one trace whose root is the HTTP server span of `route`. */
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

describe("OpenTelemetry export (OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
  const otlp = receiver()
  let demo: Demo

  beforeAll(async () => {
    otlp.server.listen(0, "127.0.0.1")
    await once(otlp.server, "listening")
    const { port } = otlp.server.address() as AddressInfo
    demo = await startDemo({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "demo-under-test"
    })
    const api = client(demo.url)
    expect((await api.post("/orders", { product: "Widget", quantity: 2, price: 5 })).status).toBe(201)
    const placed = await api.post("/saga/place-order", {
      user_id: "otlp",
      product: "Widget",
      quantity: 1,
      price: 5
    })
    expect(placed.status).toBe(201)
    // A graceful stop flushes what the exporter still holds.
    await demo.stop()
  }, 60_000)

  afterAll(async () => {
    await demo?.stop()
    otlp.server.close()
  })

  it("exports as OTEL_SERVICE_NAME, traces and metrics to their standard paths", () => {
    expect([...otlp.services]).toEqual(["demo-under-test"])
    expect([...otlp.paths]).toEqual(expect.arrayContaining(["/v1/traces", "/v1/metrics"]))
  })

  it("makes one trace of a POST /orders: HTTP, command, repository, append, inline projections", () => {
    const trace = traceOf(otlp.spans, "/orders")
    expect(connected(trace)).toBe(true)
    const names = trace.map((s) => s.name)
    for (const name of [
      "CommandBus.dispatch CreateOrder",
      "Repository.handle",
      "Repository.load",
      "EventStore.readStream",
      "Repository.save",
      "EventStore.append"
    ])
      expect(names.filter((n) => n === name)).toEqual([name])
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
