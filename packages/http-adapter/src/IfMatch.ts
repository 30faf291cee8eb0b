/**
 * One `If-Match` rule for every route the adapter serves: a header that is not
 * `*` or a list of entity tags is a malformed request (400) wherever it is sent. A well-formed one is
 * evaluated only by the commands that take an expected version (412 when it does not match); the
 * other routes have no versions to compare it with and ignore it.
 */
import { Effect } from "effect"
import type { HttpServerResponse } from "effect/http"
import { toProblem } from "./ErrorMapping.js"
import { MalformedIfMatch } from "./HttpErrors.js"
import * as Problem from "./Problem.js"

// RFC 9110: `*`, or entity tags (`"x"` or `W/"x"`, etag characters only) separated by commas.
const entityTag = String.raw`(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"`
const wellFormed = new RegExp(String.raw`^(?:\*|${entityTag}(?:[ \t]*,[ \t]*${entityTag})*)$`)

export const isWellFormed = (header: string): boolean => wellFormed.test(header.trim())

const malformed = (header: string) =>
  Problem.toResponse(
    toProblem(new MalformedIfMatch({ ifMatch: header.slice(0, 200) }), {
      isDeclaredFailure: () => false,
      conditional: false
    })
  )

/** A route that answers a malformed `If-Match` with 400 before it runs. */
export const guard =
  <I extends { header(name: string): string | undefined }, R>(
    served: (incoming: I) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
  ) =>
  (incoming: I): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> => {
    const header = incoming.header("if-match")
    return header === undefined || isWellFormed(header) ? served(incoming) : Effect.succeed(malformed(header))
  }
