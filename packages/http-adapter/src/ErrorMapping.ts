/**
 * From an error to the problem answered for it: the one place that decides status codes. Declared
 * domain failures are the client's business (409, or 404 for a `…NotFound`); the buses' and stores'
 * errors get fixed statuses and generic texts, because their messages may name internals.
 */
import { internal, type Problem, slugOf, titleOf } from "./Problem.js"

export interface MappingContext {
  /** True for the route's declared domain failures. */
  readonly isDeclaredFailure: (error: unknown) => boolean
  /** The request carried `If-Match`: losing a version race then means 412, not 409. */
  readonly conditional: boolean
  /** How the route answers a declared failure, by its tag (see `FailureAnswer`); default 409/404. */
  readonly failureAnswer?: (tag: string) => FailureAnswer | undefined
}

/** How a declared failure is answered: its status, and the problem's `type` slug and `title`. */
export interface FailureAnswer {
  /** A 4xx status, e.g. 400, 404, 409 or 422. */
  readonly status: number
  /** The problem `type` as a slug (`urn:cello:problem:<type>`); default the tag in kebab case. */
  readonly type?: string
  /** Default the tag in words (`OrderRejected` → `Order rejected`). */
  readonly title?: string
}

/** The default answer of a declared failure: 404 for a `…NotFound`, 409 otherwise. */
export const defaultFailureStatus = (tag: string): number => (tag.endsWith("NotFound") ? 404 : 409)

const field = (error: unknown, key: string): unknown =>
  typeof error === "object" && error !== null && key in error ? Reflect.get(error, key) : undefined

const stringField = (error: unknown, key: string): string | undefined => {
  const value = field(error, key)
  return typeof value === "string" ? value : undefined
}

export const tagOf = (error: unknown): string => stringField(error, "_tag") ?? "unknown"

const issuesOf = (error: unknown): ReadonlyArray<{ readonly path: string; readonly message: string }> => {
  const issues = field(error, "issues")
  if (!Array.isArray(issues)) return []
  return issues.map((issue: unknown) => ({
    path: stringField(issue, "path") ?? "",
    message: stringField(issue, "message") ?? "is invalid"
  }))
}

const primitiveFields = (error: unknown): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  if (typeof error !== "object" || error === null) return out
  for (const [key, value] of Object.entries(error)) {
    if (key === "_tag" || key === "message" || key === "stack" || key === "cause" || key === "name") continue
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") out[key] = value
  }
  return out
}

const conflict = (context: MappingContext): Problem =>
  context.conditional
    ? {
        status: 412,
        slug: "precondition-failed",
        title: "Precondition failed",
        detail: "The resource changed since the version named in If-Match; read it again and retry."
      }
    : {
        status: 409,
        slug: "concurrency-conflict",
        title: "Conflict",
        detail: "The resource was changed by another request at the same time; retry."
      }

/** Names the store (its kind, such as "redis"), never its detail, which may name hosts. */
const storeUnavailable = (store: string | undefined): Problem => ({
  status: 503,
  slug: "store-unavailable",
  title: "Service unavailable",
  detail:
    store === undefined || store.length === 0
      ? "A store is unavailable; try again later."
      : `The ${store} store is unavailable; try again later.`,
  ...(store === undefined || store.length === 0 ? {} : { extensions: { store } })
})

/** Errors reached through `HandlerFailed` are judged by the tag the handler failed with. */
const byInfrastructureTag = (tag: string, context: MappingContext, error: unknown): Problem | undefined => {
  if (tag === "ConcurrencyError") return conflict(context)
  if (tag === "StoreUnavailable") return storeUnavailable(stringField(error, "store"))
  if (tag !== "HandlerNotFound" && tag.endsWith("NotFound"))
    return { status: 404, slug: "not-found", title: "Not found", detail: "The resource does not exist." }
  return undefined
}

export const toProblem = (error: unknown, context: MappingContext): Problem => {
  const tag = tagOf(error)
  // Checked before declared failures: a command may declare it, and If-Match turns it into 412.
  if (tag === "ConcurrencyError") return conflict(context)
  if (context.isDeclaredFailure(error)) {
    const answer = context.failureAnswer?.(tag)
    const title = answer?.title ?? titleOf(tag)
    const message = stringField(error, "message")
    return {
      status: answer?.status ?? defaultFailureStatus(tag),
      slug: answer?.type ?? slugOf(tag),
      title,
      detail: message !== undefined && message.length > 0 ? message : title,
      extensions: primitiveFields(error)
    }
  }
  switch (tag) {
    case "ValidationError": {
      const errors = issuesOf(error)
      const fields = errors.map((issue) => issue.path || "(body)")
      return {
        status: 422,
        slug: "validation-error",
        title: "Invalid request",
        detail: `Invalid ${fields.length === 1 ? "field" : "fields"}: ${fields.join(", ")}.`,
        extensions: { errors }
      }
    }
    case "MalformedJson":
      return {
        status: 400,
        slug: "malformed-json",
        title: "Malformed JSON",
        detail: "The request body is not valid JSON."
      }
    case "BodyTooLarge":
      return {
        status: 413,
        slug: "body-too-large",
        title: "Payload too large",
        detail: `The request body is larger than ${String(field(error, "limit"))} bytes.`
      }
    case "UnsupportedMediaType":
      return {
        status: 415,
        slug: "unsupported-media-type",
        title: "Unsupported media type",
        detail: "The request body must be JSON, sent with Content-Type: application/json."
      }
    case "CrossOriginRefused":
      return {
        status: 403,
        slug: "cross-origin-refused",
        title: "Forbidden",
        detail: "Writes from this origin are not allowed (it is not in the CORS allow-list)."
      }
    case "MalformedPath":
      return {
        status: 400,
        slug: "malformed-path",
        title: "Malformed path",
        detail: "The request path is not valid percent-encoding (a % must start %XX)."
      }
    case "MalformedIfMatch":
      return {
        status: 400,
        slug: "malformed-if-match",
        title: "Malformed If-Match",
        detail: 'If-Match must be * or entity tags such as "3" (a version this server handed out in ETag).'
      }
    case "PreconditionFailed":
      return conflict({ ...context, conditional: true })
    case "RouteNotFound":
      return {
        status: 404,
        slug: "route-not-found",
        title: "Not found",
        detail: "No route matches this method and path."
      }
    case "CommandTimeout":
    case "QueryTimeout":
      return {
        status: 504,
        slug: slugOf(tag),
        title: "Timeout",
        detail: `${tag === "CommandTimeout" ? "The command" : "The query"} did not finish in time.`
      }
    case "NoHandlerAccepted":
      return {
        status: 422,
        slug: "no-handler-accepted",
        title: "Not accepted",
        detail: "No handler accepted the request."
      }
    case "HandlerFailed":
      return byInfrastructureTag(stringField(error, "errorTag") ?? "", context, error) ?? internal
    default:
      return byInfrastructureTag(tag, context, error) ?? internal
  }
}
