/**
 * Reading and checking a JSON request body, for every route that takes one (the adapter's, and an
 * app's own through `RequestBody.readJson` and `RequestBody.decode`): only a JSON media type, within
 * the size limit, UTF-8, parsed; then every string and number checked before any schema or store
 * sees it, so input a database refuses (NUL, lone surrogates) or a number JSON cannot carry back
 * answers 422 naming the field instead of failing later as a 5xx.
 */
import { ValidationError } from "@cello/cqrs"
import { Effect, Schema, SchemaIssue } from "effect"
import { HttpServerRequest } from "effect/http"
import { BodyTooLarge, MalformedJson, UnsupportedMediaType } from "./HttpErrors.js"
import { fromRequest, type Incoming } from "./Incoming.js"

/** `application/json`, or any `application/…+json` (`problem+json`, `merge-patch+json`), with any parameters. */
export const isJsonMediaType = (contentType: string): boolean => {
  const media = (contentType.split(";")[0] ?? "").trim().toLowerCase()
  return media === "application/json" || /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(media)
}

const decoder = new TextDecoder("utf-8", { fatal: true })

/** The bytes as JSON; no bytes, or only white space, is `undefined`. */
const parse = (
  bytes: Uint8Array,
  contentType: string | undefined
): Effect.Effect<unknown, MalformedJson | UnsupportedMediaType> => {
  if (bytes.byteLength === 0) return Effect.succeed(undefined)
  if (contentType === undefined) return Effect.fail(new UnsupportedMediaType({ contentType: "" }))
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    return Effect.fail(new MalformedJson({ detail: "the body is not UTF-8" }))
  }
  if (text.trim().length === 0) return Effect.succeed(undefined)
  try {
    return Effect.succeed(JSON.parse(text))
  } catch (error) {
    return Effect.fail(new MalformedJson({ detail: error instanceof Error ? error.message : "parse error" }))
  }
}

/**
 * The body of a request as JSON, refusing more than its `bodyLimit` bytes: a `Content-Length` above
 * it is refused before reading, and a chunked body as soon as it passes it, so a huge body is never
 * buffered. A `Content-Type` other than JSON, or a body without one, is refused with 415: a browser
 * sends such requests cross-site without asking (no CORS preflight). An empty body without a
 * `Content-Type` reads as `undefined`. Without `Effect.gen`: it runs on every request that has a body.
 */
export const jsonOf = (
  incoming: Incoming
): Effect.Effect<unknown, MalformedJson | BodyTooLarge | UnsupportedMediaType> => {
  const contentType = incoming.header("content-type")
  if (contentType !== undefined && !isJsonMediaType(contentType))
    return Effect.fail(new UnsupportedMediaType({ contentType: contentType.slice(0, 100) }))
  const declared = Number(incoming.header("content-length") ?? "0")
  if (Number.isFinite(declared) && declared > incoming.bodyLimit)
    return Effect.fail(new BodyTooLarge({ limit: incoming.bodyLimit }))
  return Effect.flatMap(incoming.bytes, (bytes) => parse(bytes, contentType))
}

/** `jsonOf` for the request in context (an app's own route), at most `limit` bytes. */
export const readJson = (
  limit: number
): Effect.Effect<
  unknown,
  MalformedJson | BodyTooLarge | UnsupportedMediaType,
  HttpServerRequest.HttpServerRequest
> => Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => jsonOf(fromRequest(request, limit)))

export interface Issue {
  readonly path: string
  readonly message: string
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const textIssue = (text: string): string | undefined =>
  text.includes("\u0000")
    ? "must not contain NUL characters"
    : loneSurrogate.test(text)
      ? "must be well-formed Unicode (it has a lone surrogate)"
      : undefined

/**
 * What no route accepts anywhere in a payload: strings with NUL or lone surrogates (PostgreSQL and
 * most stores refuse them, and they are never meaningful text), and numbers that are not finite
 * (`1e400` parses as Infinity, which JSON cannot carry back). Walked without recursion, so no
 * nesting depth can overflow the stack.
 */
export const inputIssues = (input: unknown): ReadonlyArray<Issue> => {
  const issues: Array<Issue> = []
  const stack: Array<readonly [string, unknown]> = [["", input]]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [path, value] = next
    if (typeof value === "string") {
      const message = textIssue(value)
      if (message !== undefined) issues.push({ path, message })
    } else if (typeof value === "number") {
      if (!Number.isFinite(value)) issues.push({ path, message: "must be a finite number" })
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => {
        stack.push([path === "" ? String(index) : `${path}.${index}`, item])
      })
    } else if (typeof value === "object" && value !== null) {
      // `for…in`, not `Object.entries`: every request's payload is walked, and entries builds a pair per key.
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue
        const item: unknown = Reflect.get(value, key)
        const keyIssue = textIssue(key)
        const named = keyIssue === undefined ? key : "(key)"
        const at = path === "" ? named : `${path}.${named}`
        if (keyIssue !== undefined) issues.push({ path: at, message: `a member name ${keyIssue}` })
        else stack.push([at, item])
      }
    }
  }
  return issues
}

const schemaIssues = (error: Schema.SchemaError): ReadonlyArray<Issue> =>
  SchemaIssue.makeFormatterStandardSchemaV1()(error.issue).issues.map((issue) => ({
    path: (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join("."),
    message: issue.message
  }))

/** JSON has no `undefined`: a mapper's `{ expectedVersion: undefined }` means the key is absent. */
const withoutUndefined = (input: unknown): unknown => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input
  // Copied only when there is something to drop: a request body never has an `undefined`.
  for (const key in input)
    if (Object.hasOwn(input, key) && Reflect.get(input, key) === undefined)
      return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined))
  return input
}

/**
 * Decodes untrusted JSON into a definition's payload with its JSON codec (so the OpenAPI document,
 * which describes that codec, is exactly what is accepted), naming every bad field. `inputIssues`
 * are checked first, whatever the schema says.
 */
export const decode = <S extends Schema.Top & { readonly DecodingServices: never }>(definition: {
  readonly name: string
  readonly payload: S
}) => {
  // Compiled once per definition: call `decode(definition)` once and keep the function.
  const decodeJson = Schema.decodeUnknownEffect(Schema.toCodecJson(definition.payload))
  const invalid = (error: Schema.SchemaError) =>
    new ValidationError({ name: definition.name, issues: schemaIssues(error) })
  return (input: unknown): Effect.Effect<S["Type"], ValidationError> => {
    const cleaned = withoutUndefined(input)
    const refused = inputIssues(cleaned)
    if (refused.length > 0)
      return Effect.fail(new ValidationError({ name: definition.name, issues: refused }))
    return Effect.mapError(decodeJson(cleaned, { errors: "all" }), invalid)
  }
}
