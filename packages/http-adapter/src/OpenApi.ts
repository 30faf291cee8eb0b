/**
 * The OpenAPI 3.1 document of the routes, generated from the definitions' schemas with effect's
 * JSON Schema support (`Schema.toJsonSchemaDocument`, which describes the JSON codec the routes
 * decode with). Named schemas become `components.schemas`.
 */
import { Schema } from "effect"
import type { Route } from "./Route.js"

export interface Info {
  readonly title: string
  readonly version: string
}

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
type JsonObject = { readonly [key: string]: Json }

/** `/orders/:id` → `/orders/{id}`. */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")

const rewriteRefs = (value: unknown): Json => {
  if (Array.isArray(value)) return value.map(rewriteRefs)
  if (typeof value === "object" && value !== null) {
    const out: Record<string, Json> = {}
    for (const [key, inner] of Object.entries(value)) {
      out[key] =
        key === "$ref" && typeof inner === "string"
          ? inner.replace("#/$defs/", "#/components/schemas/")
          : rewriteRefs(inner)
    }
    return out
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value
  return null
}

/** An `Option` success is answered as its value (or 404): document the value. */
const answered = (schema: Schema.Top): Schema.Top => {
  const inner: unknown = "value" in schema ? schema.value : undefined
  return Schema.isSchema(inner) && inner.ast._tag !== schema.ast._tag && schema.ast._tag === "Declaration"
    ? inner
    : schema
}

const problemSchema: JsonObject = {
  type: "object",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    error: { type: "string" },
    errors: {
      type: "array",
      items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } }
    }
  },
  required: ["type", "title", "status", "detail", "error"]
}

const problem = (description: string): JsonObject => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } }
})

const propertiesOf = (schema: Json): ReadonlyArray<[string, Json]> => {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return []
  const properties = "properties" in schema ? schema.properties : undefined
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) return []
  return Object.entries(properties)
}

const tags: Record<Route<unknown>["kind"], string> = {
  command: "commands",
  query: "queries",
  saga: "sagas",
  "saga-status": "sagas"
}

export const document = (routes: ReadonlyArray<Route<unknown>>, info: Info): JsonObject => {
  const components: Record<string, Json> = { Problem: problemSchema }
  const jsonSchema = (schema: Schema.Top): Json => {
    const doc = Schema.toJsonSchemaDocument(schema)
    for (const [name, definition] of Object.entries(doc.definitions))
      components[name] = rewriteRefs(definition)
    return rewriteRefs(doc.schema)
  }
  const paths: Record<string, Record<string, Json>> = {}
  for (const route of routes) {
    const pathParams = Array.from(route.path.matchAll(/:([A-Za-z0-9_]+)/g), (m) => m[1] ?? "")
    const payload = jsonSchema(route.definition.payload)
    const parameters: Array<Json> = pathParams.map((name) => ({
      name,
      in: "path",
      required: true,
      schema: { type: "string" }
    }))
    if (route.kind === "query") {
      // Best effort: payload members not taken from the path are read from the query string.
      for (const [name, schema] of propertiesOf(payload)) {
        if (!pathParams.includes(name)) parameters.push({ name, in: "query", schema })
      }
    }
    if (route.kind === "command") {
      parameters.push({
        name: "If-Match",
        in: "header",
        description: 'Expected version, as `"<version>"`; a mismatch answers 412',
        schema: { type: "string" }
      })
    }
    const success = answered(route.definition.success)
    const responses: Record<string, Json> = {
      [String(route.status)]: {
        description: `${route.definition.name} succeeded`,
        content: { "application/json": { schema: jsonSchema(success) } }
      },
      "422": problem("The payload does not match its schema; `errors` names each bad field"),
      "500": problem("Unexpected error"),
      "503": problem("A store is unavailable"),
      "504": problem("Timed out")
    }
    if (route.kind === "query" || route.kind === "saga-status") responses["404"] = problem("Not found")
    if (route.kind === "command") {
      responses["409"] = problem("Rejected by the domain, or a concurrent change")
      responses["412"] = problem("If-Match does not match the current version")
    }
    if (route.kind === "saga")
      responses["409"] = problem(
        "The saga did not complete (compensated, failed or compensation_failed); the `saga` member is its result"
      )
    if (route.readsBody) {
      responses["400"] = problem("Malformed JSON")
      responses["413"] = problem("Body too large")
    }
    const operation: Record<string, Json> = {
      operationId: route.definition.name,
      tags: [tags[route.kind]],
      ...(route.summary === undefined ? {} : { summary: route.summary }),
      parameters,
      responses
    }
    if (route.readsBody) {
      operation.requestBody = { required: true, content: { "application/json": { schema: payload } } }
    }
    const path = openApiPath(route.path)
    paths[path] = { ...(paths[path] ?? {}), [route.method.toLowerCase()]: operation }
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version },
    paths,
    components: { schemas: components }
  }
}
