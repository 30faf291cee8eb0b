/**
 * A real OTLP/HTTP receiver for tests: a node:http server that takes what an exporter posts to
 * `/v1/traces` (OTLP JSON, or protobuf decoded by protobufjs with the OTLP trace messages below) and
 * keeps every span with its attributes, and the service names and paths it was sent.
 */
import { once } from "node:events"
import { createServer, type IncomingMessage } from "node:http"
import protobuf from "protobufjs"
import { at, text } from "./demo.js"

export interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly attributes: Readonly<Record<string, unknown>>
}

// The fields these tests read, as opentelemetry-proto numbers them (trace/v1, common/v1, resource/v1);
// protobufjs skips the others.
const ExportTraceServiceRequest = protobuf
  .parse(`
syntax = "proto3";
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message Resource { repeated KeyValue attributes = 1; }
message ScopeSpans { repeated Span spans = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5;
  repeated KeyValue attributes = 9;
}
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
}
`)
  .root.lookupType("ExportTraceServiceRequest")

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
  body: Buffer
): { readonly data: unknown; readonly id: (v: unknown) => string } =>
  request.headers["content-type"]?.includes("protobuf")
    ? {
        data: ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
          bytes: String,
          longs: String
        }),
        id: (v) => (typeof v === "string" ? Buffer.from(v, "base64").toString("hex") : "")
      }
    : { data: JSON.parse(body.toString("utf8")), id: (v) => (typeof v === "string" ? v : "") }

export const startReceiver = async () => {
  const spans: Array<Span> = []
  const services = new Set<string>()
  const paths = new Set<string>()
  const contentTypes = new Set<string>()
  const server = createServer(async (request, response) => {
    const body = await bodyOf(request)
    paths.add(request.url ?? "")
    if (request.url === "/v1/traces") {
      contentTypes.add(request.headers["content-type"] ?? "")
      const { data, id } = decode(request, body)
      const resourceSpans = at(data, "resourceSpans")
      for (const resource of Array.isArray(resourceSpans) ? resourceSpans : []) {
        services.add(String(attributesOf(at(resource, "resource", "attributes"))["service.name"]))
        const scopes = at(resource, "scopeSpans")
        for (const scope of Array.isArray(scopes) ? scopes : []) {
          const found = at(scope, "spans")
          for (const span of Array.isArray(found) ? found : []) {
            const parent = id(at(span, "parentSpanId"))
            spans.push({
              traceId: id(at(span, "traceId")),
              spanId: id(at(span, "spanId")),
              name: text(span, "name"),
              attributes: attributesOf(at(span, "attributes")),
              ...(parent === "" ? {} : { parentSpanId: parent })
            })
          }
        }
      }
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
    services,
    paths,
    contentTypes,
    close: () => server.close()
  }
}
