/**
 * RFC 9457 problem details: every error answer of the adapter is `application/problem+json` with a
 * stable `type` per error tag, a `title`, the `status`, a human `detail`, and an `error` member
 * carrying the same text (the seeds' clients read `{"error": "..."}`).
 */

import type { HttpServerResponse } from "effect/http"
import { ProblemDetails } from "effect/http"

export interface Problem {
  readonly status: number
  /** A stable slug such as `validation-error`; the `type` member is `urn:cello:problem:<slug>`. */
  readonly slug: string
  readonly title: string
  readonly detail: string
  /** Extension members, e.g. `errors` for validation issues. */
  readonly extensions?: Readonly<Record<string, unknown>>
  /** The `error` member when it should say something else than `detail` (default: the detail). */
  readonly error?: string
}

export const contentType = ProblemDetails.contentType

const typePrefix = "urn:cello:problem:"

/** `OrderRejected` → `order-rejected`. */
export const slugOf = (tag: string): string =>
  tag
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase() || "error"

/** `OrderRejected` → `Order rejected`. */
export const titleOf = (tag: string): string => {
  const words = slugOf(tag).split("-").join(" ")
  return words.charAt(0).toUpperCase() + words.slice(1)
}

export const typeOf = (slug: string): string => `${typePrefix}${slug}`

// Members the standard owns: an extension may never overwrite them.
const reserved = new Set(["type", "title", "status", "detail", "instance", "error"])

/** The JSON body of a problem. */
export const toJson = (problem: Problem): ProblemDetails.ProblemDetails => {
  const extensions: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(problem.extensions ?? {})) {
    if (!reserved.has(key)) extensions[key] = value
  }
  return {
    ...extensions,
    type: typeOf(problem.slug),
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    error: problem.error ?? problem.detail
  }
}

export const toResponse = (problem: Problem): HttpServerResponse.HttpServerResponse =>
  ProblemDetails.toResponse(toJson(problem))

/** The answer to anything unexpected: it says nothing of the cause, which is logged instead. */
export const internal: Problem = {
  status: 500,
  slug: "internal-error",
  title: "Internal server error",
  detail: "The server could not handle the request."
}
