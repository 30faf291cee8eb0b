/**
 * The OpenAPI 3.1 document of the routes, generated from the definitions' schemas with effect's
 * JSON Schema support (`Schema.toJsonSchemaDocument`, which describes the JSON codec the routes
 * decode with). Named schemas become `components.schemas`.
 */
import { Schema } from "effect"
import { defaultFailureStatus } from "./ErrorMapping.js"
import { paramNames, type Route } from "./Route.js"

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

const requestIdHeader: JsonObject = {
  "X-Request-Id": { description: "The request's id (the client's when sane)", schema: { type: "string" } }
}

const problem = (description: string): JsonObject => ({
  description,
  headers: requestIdHeader,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } }
})

const isJsonObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const propertiesOf = (schema: Json): ReadonlyArray<[string, Json]> => {
  if (!isJsonObject(schema)) return []
  const properties = schema.properties
  return isJsonObject(properties) ? Object.entries(properties) : []
}

/** The schema without the members the path fills (they are not sent in the body or query). */
const withoutMembers = (schema: Json, members: ReadonlyArray<string>): Json => {
  if (!isJsonObject(schema) || members.length === 0) return schema
  const properties = schema.properties
  const required = schema.required
  return {
    ...schema,
    ...(isJsonObject(properties)
      ? { properties: Object.fromEntries(Object.entries(properties).filter(([k]) => !members.includes(k))) }
      : {}),
    ...(Array.isArray(required)
      ? { required: required.filter((k) => typeof k !== "string" || !members.includes(k)) }
      : {})
  }
}

/** The `_tag`s a failure schema's members carry (a union of tagged errors, or one). */
const tagsOf = (schema: Json, definitions: Json): ReadonlyArray<string> => {
  if (!isJsonObject(schema)) return []
  const ref = schema.$ref
  if (typeof ref === "string") {
    const target = isJsonObject(definitions) ? definitions[ref.slice(ref.lastIndexOf("/") + 1)] : undefined
    return target === undefined ? [] : tagsOf(target, definitions)
  }
  const members = schema.anyOf ?? schema.oneOf
  if (Array.isArray(members)) return members.flatMap((member) => tagsOf(member, definitions))
  const tag = propertiesOf(schema).find(([name]) => name === "_tag")?.[1]
  const values = isJsonObject(tag) ? tag.enum : undefined
  return Array.isArray(values) ? values.filter((v): v is string => typeof v === "string") : []
}

/**
 * A JSON number: effect's JSON codec also reads and writes the strings "Infinity", "-Infinity" and
 * "NaN", which no client should send and no answer of a finite value carries.
 */
const finiteNumbers = (value: Json): Json => {
  if (Array.isArray(value)) return value.map(finiteNumbers)
  if (!isJsonObject(value)) return value
  const members = value.anyOf
  if (
    Array.isArray(members) &&
    members.length === 2 &&
    isJsonObject(members[0]) &&
    members[0].type === "number" &&
    isJsonObject(members[1]) &&
    Array.isArray(members[1].enum) &&
    members[1].enum.every((v) => v === "Infinity" || v === "-Infinity" || v === "NaN")
  ) {
    const { anyOf: _, ...rest } = value
    return { ...rest, ...members[0] }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, finiteNumbers(v)]))
}

const tags: Record<Route<unknown>["kind"], string> = {
  command: "commands",
  query: "queries",
  saga: "sagas",
  "saga-status": "sagas"
}

/** Adds a problem answer, or joins its description to the one already listed for that status. */
const addProblem = (responses: Record<string, Json>, status: number, description: string) => {
  const listed = responses[String(status)]
  responses[String(status)] =
    isJsonObject(listed) && typeof listed.description === "string"
      ? { ...listed, description: `${listed.description}; ${description}` }
      : problem(description)
}

const plain = (description: string, contentType: string, schema: Json): JsonObject => ({
  description,
  headers: requestIdHeader,
  content: { [contentType]: { schema } }
})

const healthReport: Json = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["ok", "unavailable"] },
    checks: { type: "object", additionalProperties: { type: "object" } }
  },
  required: ["status"]
}

const operationalGet = (operationId: string, summary: string, responses: Record<string, Json>): Json => ({
  get: {
    operationId,
    tags: ["operations"],
    summary,
    responses: {
      ...responses,
      "400": problem("Malformed If-Match header or path"),
      "500": problem("Unexpected error")
    }
  }
})

/** The adapter's own routes: health, metrics, this document, the docs page, and `/` when served. */
const operational = (home: boolean): Record<string, Json> => ({
  ...(home
    ? {
        "/": operationalGet("home", "What the API serves (a page of links for a browser)", {
          "200": {
            description: "The discovery document, or for `Accept: text/html` a page of links",
            headers: requestIdHeader,
            content: { "application/json": { schema: {} }, "text/html": { schema: { type: "string" } } }
          }
        })
      }
    : {}),
  "/health": operationalGet("health", "Readiness: every check", {
    "200": plain("Ready", "application/json", healthReport),
    "503": plain("A check is down", "application/json", healthReport)
  }),
  "/health/ready": operationalGet("healthReady", "Readiness: every check", {
    "200": plain("Ready", "application/json", healthReport),
    "503": plain("A check is down", "application/json", healthReport)
  }),
  "/health/live": operationalGet("healthLive", "Liveness", {
    "200": plain("Alive", "application/json", healthReport)
  }),
  "/metrics": operationalGet("metrics", "Prometheus metrics", {
    "200": plain("The text exposition format", "text/plain", { type: "string" })
  }),
  "/openapi.json": operationalGet("openApi", "This document", {
    "200": plain("OpenAPI 3.1", "application/json", { type: "object" })
  }),
  "/docs": operationalGet("docs", "The interactive API reference", {
    "200": plain("An HTML page", "text/html", { type: "string" })
  })
})

export const document = (
  routes: ReadonlyArray<Route<unknown>>,
  info: Info,
  options: { readonly home?: boolean } = {}
): JsonObject => {
  const components: Record<string, Json> = { Problem: problemSchema }
  const jsonSchema = (schema: Schema.Top): Json => {
    const doc = Schema.toJsonSchemaDocument(schema)
    for (const [name, definition] of Object.entries(doc.definitions))
      components[name] = finiteNumbers(rewriteRefs(definition))
    return finiteNumbers(rewriteRefs(doc.schema))
  }
  const failureTags = (schema: Schema.Top): ReadonlyArray<string> => {
    const doc = Schema.toJsonSchemaDocument(schema)
    return tagsOf(rewriteRefs(doc.schema), rewriteRefs(doc.definitions))
  }
  const paths: Record<string, Record<string, Json>> = {}
  for (const route of routes) {
    const pathParams = paramNames(route.path)
    const payload = withoutMembers(jsonSchema(route.definition.payload), route.fromPath)
    const parameters: Array<Json> = pathParams.map((name) => ({
      name,
      in: "path",
      required: true,
      schema: { type: "string" }
    }))
    if (route.readsQuery) {
      const required = isJsonObject(payload) && Array.isArray(payload.required) ? payload.required : []
      for (const [name, schema] of propertiesOf(payload))
        parameters.push({ name, in: "query", required: required.includes(name), schema })
    }
    if (route.ifMatch) {
      parameters.push({
        name: "If-Match",
        in: "header",
        description:
          'The expected version, as `"<version>"` (the ETag a read answered); a mismatch answers 412',
        schema: { type: "string" }
      })
    }
    // An `Option` success answers its value, and 404 for `none`.
    const optional = answered(route.definition.success) !== route.definition.success
    const body = route.responseSchema ?? answered(route.definition.success)
    const successHeaders: Record<string, Json> = { ...requestIdHeader }
    for (const header of route.successHeaders)
      successHeaders[header === "location" ? "Location" : "ETag"] = {
        description:
          header === "location" ? "Where the created resource is read" : 'The version, as `"<version>"`',
        required: true,
        schema: { type: "string" }
      }
    const answer = (status: number, description: string): JsonObject =>
      status === 204
        ? { description, headers: successHeaders }
        : {
            description,
            headers: successHeaders,
            content: { "application/json": { schema: jsonSchema(body) } }
          }
    const responses: Record<string, Json> = {
      [String(route.status)]: answer(route.status, `${route.definition.name} succeeded`)
    }
    for (const result of route.results)
      if (result.problem) addProblem(responses, result.status, result.description)
      else responses[String(result.status)] = answer(result.status, result.description)
    for (const tag of failureTags(route.definition.failure)) {
      const mapped = route.failureAnswers[tag]
      addProblem(responses, mapped?.status ?? defaultFailureStatus(tag), `${tag} (a declared failure)`)
    }
    if (route.kind === "command")
      addProblem(responses, 409, "A concurrent change to the same resource; retry")
    if (route.ifMatch) addProblem(responses, 412, "If-Match does not match the current version")
    if (route.kind === "saga-status" || (route.kind === "query" && optional))
      addProblem(responses, 404, "Not found")
    if (route.kind !== "saga-status")
      addProblem(responses, 422, "The payload does not match its schema; `errors` names each bad field")
    addProblem(responses, 400, "Malformed If-Match header, or a path that is not valid percent-encoding")
    if (route.readsBody) {
      addProblem(responses, 400, "Malformed JSON")
      addProblem(responses, 413, "Body too large")
      addProblem(responses, 415, "The body is not sent as application/json")
    }
    if (route.method !== "GET") addProblem(responses, 403, "A write from a web page of an origin not allowed")
    addProblem(responses, 500, "Unexpected error")
    addProblem(responses, 503, "A store is unavailable")
    addProblem(responses, 504, "Timed out")
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
    paths: { ...paths, ...operational(options.home === true) },
    components: { schemas: components }
  }
}
