/**
 * What a route reads from a request before it dispatches: the JSON body (within the size limit),
 * the `If-Match` precondition, and the payload decoded with the definition's schema.
 */
import { Effect } from "effect"
import { PreconditionFailed } from "./HttpErrors.js"
import { decode } from "./RequestBody.js"

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
  // `for…in`, not `Object.entries`: it runs on every request, and entries builds a pair per key.
  const out: Record<string, string> = {}
  for (const key in params) {
    const value = params[key]
    if (Object.hasOwn(params, key) && value !== undefined) out[key] = value
  }
  return out
}

/** Decodes a payload, naming every bad field (`RequestBody.decode`). */
export const decodePayload = decode
