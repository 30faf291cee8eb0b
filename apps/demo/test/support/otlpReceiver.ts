/**
 * A real OTLP/HTTP receiver for tests: a node:http server that takes what an exporter posts to
 * `/v1/traces` and `/v1/metrics` (OTLP JSON, or protobuf decoded by protobufjs with the OTLP messages
 * below) and keeps every span with its attributes and links, every metric data point, and the
 * service names and paths it was sent.
 */
import { once } from "node:events"
import { createServer, type IncomingMessage } from "node:http"
import protobuf from "protobufjs"
import { at, text } from "./demo.js"

export interface Link {
  readonly traceId: string
  readonly spanId: string
  readonly attributes: Readonly<Record<string, unknown>>
}

export interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly attributes: Readonly<Record<string, unknown>>
  readonly links: ReadonlyArray<Link>
}

/** One data point of a metric as exported: a sum's or gauge's value, a histogram's count and sum. */
export interface MetricPoint {
  readonly metric: string
  readonly kind: "sum" | "gauge" | "histogram" | "other"
  readonly attributes: Readonly<Record<string, unknown>>
  readonly value?: number
  readonly count?: number
  readonly sum?: number
}

// The fields these tests read, as opentelemetry-proto numbers them (trace/v1, metrics/v1, common/v1,
// resource/v1); protobufjs skips the others.
const otlp = protobuf.parse(`
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { repeated Span spans = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5;
  repeated KeyValue attributes = 9; repeated Link links = 13;
}
message Link { bytes trace_id = 1; bytes span_id = 2; repeated KeyValue attributes = 4; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ScopeMetrics { repeated Metric metrics = 2; }
message Metric { string name = 1; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; }
message Histogram { repeated HistogramDataPoint data_points = 1; }
message NumberDataPoint { repeated KeyValue attributes = 7; double as_double = 4; sfixed64 as_int = 6; }
message HistogramDataPoint { repeated KeyValue attributes = 9; fixed64 count = 4; double sum = 5; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
}
`).root
const messages = {
  "/v1/traces": otlp.lookupType("ExportTraceServiceRequest"),
  "/v1/metrics": otlp.lookupType("ExportMetricsServiceRequest")
}

/** OTLP attributes (`[{ key, value: { stringValue } }]`) as a record of their values. */
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

const bodyOf = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of request) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

/** The request as OTLP JSON, whichever encoding it came in; ids as hex (protobuf sends bytes). */
const decode = (
  request: IncomingMessage,
  body: Buffer,
  type: protobuf.Type
): { readonly data: unknown; readonly id: (v: unknown) => string } =>
  request.headers["content-type"]?.includes("protobuf")
    ? {
        data: type.toObject(type.decode(body), { bytes: String, longs: String }),
        id: (v) => (typeof v === "string" ? Buffer.from(v, "base64").toString("hex") : "")
      }
    : { data: JSON.parse(body.toString("utf8")), id: (v) => (typeof v === "string" ? v : "") }

const list = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])

/** A number OTLP sent as a number or (64-bit integers) a string; undefined when absent. */
const numberAt = (value: unknown, ...path: ReadonlyArray<string>): number | undefined => {
  const found = at(value, ...path)
  return typeof found === "number" || typeof found === "string" ? Number(found) : undefined
}

const pointsOf = (metric: unknown): ReadonlyArray<MetricPoint> => {
  const name = text(metric, "name")
  for (const kind of ["sum", "gauge", "histogram"] as const) {
    const points = at(metric, kind, "dataPoints")
    if (points === undefined) continue
    return list(points).map((p): MetricPoint => {
      const value = numberAt(p, "asDouble") ?? numberAt(p, "asInt")
      const count = numberAt(p, "count")
      const sum = numberAt(p, "sum")
      return {
        metric: name,
        kind,
        attributes: attributesOf(at(p, "attributes")),
        ...(value === undefined ? {} : { value }),
        ...(count === undefined ? {} : { count }),
        ...(sum === undefined ? {} : { sum })
      }
    })
  }
  return [{ metric: name, kind: "other", attributes: {} }]
}

export const startReceiver = async () => {
  const spans: Array<Span> = []
  const metrics: Array<MetricPoint> = []
  const services = new Set<string>()
  const paths = new Set<string>()
  const contentTypes = new Set<string>()
  const server = createServer(async (request, response) => {
    const body = await bodyOf(request)
    paths.add(request.url ?? "")
    if (request.url === "/v1/traces") {
      contentTypes.add(request.headers["content-type"] ?? "")
      const { data, id } = decode(request, body, messages["/v1/traces"])
      for (const resource of list(at(data, "resourceSpans"))) {
        services.add(String(attributesOf(at(resource, "resource", "attributes"))["service.name"]))
        for (const scope of list(at(resource, "scopeSpans")))
          for (const span of list(at(scope, "spans"))) {
            const parent = id(at(span, "parentSpanId"))
            spans.push({
              traceId: id(at(span, "traceId")),
              spanId: id(at(span, "spanId")),
              name: text(span, "name"),
              attributes: attributesOf(at(span, "attributes")),
              links: list(at(span, "links")).map((l) => ({
                traceId: id(at(l, "traceId")),
                spanId: id(at(l, "spanId")),
                attributes: attributesOf(at(l, "attributes"))
              })),
              ...(parent === "" ? {} : { parentSpanId: parent })
            })
          }
      }
    }
    if (request.url === "/v1/metrics") {
      const { data } = decode(request, body, messages["/v1/metrics"])
      for (const resource of list(at(data, "resourceMetrics")))
        for (const scope of list(at(resource, "scopeMetrics")))
          for (const metric of list(at(scope, "metrics"))) metrics.push(...pointsOf(metric))
    }
    response.writeHead(200, { "content-type": "application/json" }).end("{}")
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  const address = server.address()
  if (typeof address !== "object" || address === null) throw new Error("the receiver has no port")
  const port = address.port
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    services,
    paths,
    contentTypes,
    close: () => server.close()
  }
}
