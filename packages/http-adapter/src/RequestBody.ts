/**
 * Reading and checking a JSON request body, for every route that takes one (the adapter's, and an
 * app's own through `RequestBody.readJson` and `RequestBody.decode`): only a JSON media type, within
 * the size limit, UTF-8, parsed; then every string and number checked before any schema or store
 * sees it, so input a database refuses (NUL, lone surrogates) or a number JSON cannot carry back
 * answers 422 naming the field instead of failing later as a 5xx.
 */
import { ValidationError } from "@cello/cqrs"
import { ByteSize, Effect, Schema, SchemaIssue } from "effect"
import { HttpIncomingMessage, type HttpServerError, HttpServerRequest } from "effect/http"
import { BodyTooLarge, MalformedJson, UnsupportedMediaType } from "./HttpErrors.js"

/** `application/json`, or any `application/…+json` (`problem+json`, `merge-patch+json`), with any parameters. */
export const isJsonMediaType = (contentType: string): boolean => {
  const media = (contentType.split(";")[0] ?? "").trim().toLowerCase()
  return media === "application/json" || /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(media)
}

const decoder = new TextDecoder("utf-8", { fatal: true })

/**
 * Reads the body as JSON, refusing more than `limit` bytes: a `Content-Length` above it is refused
 * before reading, and a chunked body as soon as it passes it, so a huge body is never buffered.
 * A `Content-Type` other than JSON, or a body without one, is refused with 415: a browser sends
 * such requests cross-site without asking (no CORS preflight). An empty body without a
 * `Content-Type` reads as `undefined`.
 */
export const readJson = (
  limit: number
): Effect.Effect<
  unknown,
  MalformedJson | BodyTooLarge | UnsupportedMediaType,
  HttpServerRequest.HttpServerRequest
> => {
  // One effect per limit, made once: a generator function made per request cost about a microsecond.
  let read = readers.get(limit)
  if (read === undefined) {
    read = makeReader(limit)
    readers.set(limit, read)
  }
  return read
}

const readers = new Map<
  number,
  Effect.Effect<
    unknown,
    MalformedJson | BodyTooLarge | UnsupportedMediaType,
    HttpServerRequest.HttpServerRequest
  >
>()

/** The request's `HttpServerError` when reading its body failed because it passed the limit. */
const passedLimit = (error: HttpServerError.HttpServerError): boolean =>
  error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"

/**
 * Reads with the server's own body reader (one callback on Node's `data` events, or the Fetch
 * request's), which stops buffering at the limit: an Effect `Stream` per request cost more than the
 * rest of a small command's route.
 */
const makeReader = (limit: number) => {
  const bytes = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => request.arrayBuffer).pipe(
    Effect.mapError((error) =>
      passedLimit(error)
        ? new BodyTooLarge({ limit })
        : new MalformedJson({ detail: "the body could not be read" })
    ),
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit))
  )
  return Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const contentType = request.headers["content-type"]
    if (contentType !== undefined && !isJsonMediaType(contentType))
      return yield* new UnsupportedMediaType({ contentType: contentType.slice(0, 100) })
    const declared = Number(request.headers["content-length"] ?? "0")
    if (Number.isFinite(declared) && declared > limit) return yield* new BodyTooLarge({ limit })
    const read = yield* bytes
    if (read.byteLength === 0) return undefined
    if (contentType === undefined) return yield* new UnsupportedMediaType({ contentType: "" })
    const text = yield* Effect.try({
      try: () => decoder.decode(read),
      catch: () => new MalformedJson({ detail: "the body is not UTF-8" })
    })
    if (text.trim().length === 0) return undefined
    return yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (error) => new MalformedJson({ detail: error instanceof Error ? error.message : "parse error" })
    })
  })
}

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
      for (const [key, item] of Object.entries(value)) {
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
