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

const decodes = (path: string): boolean => {
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

export const middleware = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = request.url.split("?")[0] ?? request.url
    const response = decodes(path)
      ? yield* app.pipe(
          Effect.catchIf(isRouteNotFound, () =>
            Effect.succeed(answer(new RouteNotFound({ method: request.method, path: path.slice(0, 300) })))
          )
        )
      : answer(new MalformedPath({ path: path.slice(0, 300) }))
    const withId =
      response.headers["x-request-id"] === undefined
        ? HttpServerResponse.setHeader(
            response,
            "x-request-id",
            (yield* requestIds(request.headers)).requestId
          )
        : response
    return HttpServerResponse.setHeader(withId, "x-content-type-options", "nosniff")
  })
