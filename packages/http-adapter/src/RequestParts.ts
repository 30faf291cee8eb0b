/**
 * What a route reads from a request before it dispatches: the JSON body (within the size limit),
 * the `If-Match` precondition, and the payload decoded with the definition's schema.
 */
import { ValidationError } from "@cello/cqrs"
import { Effect, Schema, SchemaIssue, Stream } from "effect"
import { HttpServerRequest } from "effect/http"
import { BodyTooLarge, MalformedJson, PreconditionFailed } from "./HttpErrors.js"

/** The parts of a request a payload mapper builds a command's or query's payload from. */
export interface RequestParts<Params> {
  /** Path parameters named in the route's path (`/orders/:id` → `params.id`). */
  readonly params: Params
  /** Query-string parameters; a repeated key gives an array. */
  readonly query: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** The JSON body (`undefined` when there is none). */
  readonly body: unknown
  /**
   * The version named by `If-Match: "<version>"`, for the command's expected version; `undefined`
   * without the header or with `If-Match: *`.
   */
  readonly expectedVersion: number | undefined
}

const decoder = new TextDecoder("utf-8", { fatal: true })

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/**
 * Reads the body as JSON, refusing more than `limit` bytes: a `Content-Length` above it is refused
 * before reading, and a chunked body as soon as it passes it, so a huge body is never buffered.
 * An empty body reads as `undefined`.
 */
export const readJson = (
  limit: number
): Effect.Effect<unknown, MalformedJson | BodyTooLarge, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const declared = Number(request.headers["content-length"] ?? "0")
    if (Number.isFinite(declared) && declared > limit) return yield* new BodyTooLarge({ limit })
    const read = yield* request.stream.pipe(
      Stream.mapError(() => new MalformedJson({ detail: "the body could not be read" })),
      Stream.runFoldEffect(
        () => ({ chunks: [] as Uint8Array[], size: 0 }),
        (acc, chunk: Uint8Array) => {
          const size = acc.size + chunk.length
          if (size > limit) return Effect.fail(new BodyTooLarge({ limit }))
          acc.chunks.push(chunk)
          return Effect.succeed({ chunks: acc.chunks, size })
        }
      )
    )
    if (read.size === 0) return undefined
    const text = yield* Effect.try({
      try: () => decoder.decode(concat(read.chunks, read.size)),
      catch: () => new MalformedJson({ detail: "the body is not UTF-8" })
    })
    if (text.trim().length === 0) return undefined
    return yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (error) => new MalformedJson({ detail: error instanceof Error ? error.message : "parse error" })
    })
  })

/**
 * `If-Match: "<version>"` → that version; `*` or no header → `undefined`. Anything else (a weak or
 * foreign tag, a list) cannot match a version this server hands out, so it fails the precondition.
 */
export const expectedVersion = (
  header: string | undefined
): Effect.Effect<number | undefined, PreconditionFailed> => {
  if (header === undefined) return Effect.succeed(undefined)
  const value = header.trim()
  if (value === "*") return Effect.succeed(undefined)
  const match = /^"(\d{1,15})"$/.exec(value)
  return match?.[1] === undefined
    ? Effect.fail(new PreconditionFailed({ ifMatch: value.slice(0, 200) }))
    : Effect.succeed(Number(match[1]))
}

/** The strong ETag of a version: `"3"`. */
export const etagOf = (version: number | string): string => `"${String(version).replace(/["\\]/g, "")}"`

/** Path parameters without the router's `undefined` (a matched route always has them). */
export const definedParams = (
  params: Readonly<Record<string, string | undefined>>
): Readonly<Record<string, string>> => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(params)) if (value !== undefined) out[key] = value
  return out
}

const issuesOf = (error: Schema.SchemaError) =>
  SchemaIssue.makeFormatterStandardSchemaV1()(error.issue).issues.map((issue) => ({
    path: (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join("."),
    message: issue.message
  }))

/** JSON has no `undefined`: a mapper's `{ expectedVersion: undefined }` means the key is absent. */
const withoutUndefined = (input: unknown): unknown =>
  typeof input === "object" && input !== null && !Array.isArray(input)
    ? Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined))
    : input

/**
 * Decodes untrusted JSON into a definition's payload with its JSON codec (so the OpenAPI document,
 * which describes that codec, is exactly what is accepted), naming every bad field.
 */
export const decodePayload =
  <S extends Schema.Top & { readonly DecodingServices: never }>(definition: {
    readonly name: string
    readonly payload: S
  }) =>
  (input: unknown): Effect.Effect<S["Type"], ValidationError> =>
    Schema.decodeUnknownEffect(Schema.toCodecJson(definition.payload))(withoutUndefined(input), {
      errors: "all"
    }).pipe(
      Effect.mapError((error) => new ValidationError({ name: definition.name, issues: issuesOf(error) }))
    )
