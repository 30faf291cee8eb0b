/**
 * The router's outermost middleware, so that every answer, an app's own routes' and the router's
 * included, is one the adapter would give: a request path that is not valid percent-encoding
 * (`/orders/%`) is a 400 problem before any route is looked up, a path no route matches is a 404
 * problem (not the router's empty 404), and every answer carries `x-request-id` and
 * `X-Content-Type-Options: nosniff`.
 */
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { toProblem } from "./ErrorMapping.js"
import { MalformedPath, RouteNotFound } from "./HttpErrors.js"
import { requestIds } from "./Observe.js"
import * as Problem from "./Problem.js"

// Only a path with a `%` can fail to decode.
const decodes = (path: string): boolean => {
  if (!path.includes("%")) return true
  try {
    decodeURIComponent(path)
    return true
  } catch {
    return false
  }
}

const answer = (error: unknown) =>
  Problem.toResponse(toProblem(error, { isDeclaredFailure: () => false, conditional: false }))

const isRouteNotFound = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  "reason" in error &&
  typeof error.reason === "object" &&
  error.reason !== null &&
  "_tag" in error.reason &&
  error.reason._tag === "RouteNotFound"

const nosniff = (response: HttpServerResponse.HttpServerResponse) =>
  HttpServerResponse.setHeader(response, "x-content-type-options", "nosniff")

// Without `Effect.gen`: it runs on every request (see `observe`).
export const middleware = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const query = request.url.indexOf("?")
    const path = query === -1 ? request.url : request.url.slice(0, query)
    const answered = decodes(path)
      ? Effect.catchIf(app, isRouteNotFound, () =>
          Effect.succeed(answer(new RouteNotFound({ method: request.method, path: path.slice(0, 300) })))
        )
      : Effect.succeed(answer(new MalformedPath({ path: path.slice(0, 300) })))
    return Effect.flatMap(answered, (response) =>
      // The adapter's routes set the id already (`observe`); the router's and an app's own answers get one here.
      response.headers["x-request-id"] === undefined
        ? Effect.map(requestIds(request.headers), (ids) =>
            nosniff(HttpServerResponse.setHeader(response, "x-request-id", ids.requestId))
          )
        : Effect.succeed(nosniff(response))
    )
  })
