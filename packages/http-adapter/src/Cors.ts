/**
 * Which web pages may call the API from another origin. Off unless configured: without an
 * allow-list no response carries `Access-Control-Allow-*`, so a page elsewhere cannot read answers,
 * and a write (`POST`, `PUT`, `PATCH`, `DELETE`) whose `Origin` is neither this server nor listed is
 * refused with 403 before any route runs — browsers send some writes cross-site without a preflight
 * (a form, or a `fetch` with no body), and the `Origin` header is the one thing they cannot forge.
 * Requests without `Origin` (curl, servers) are not affected.
 */
import { Effect } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { toProblem } from "./ErrorMapping.js"
import { CrossOriginRefused } from "./HttpErrors.js"
import * as Problem from "./Problem.js"

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"])

/** `https://app.example.com/` → `https://app.example.com`: origins are compared as browsers send them. */
export const normalizeOrigin = (origin: string): string => origin.trim().replace(/\/+$/, "").toLowerCase()

const sameOrigin = (origin: string, host: string | undefined): boolean => {
  if (host === undefined) return false
  try {
    return new URL(origin).host === host.toLowerCase()
  } catch {
    return false
  }
}

/** The headers a listed origin may send and read beyond the CORS-safelisted ones. */
const allowHeaders = "content-type, if-match, idempotency-key, x-request-id"
const exposeHeaders = "location, etag, x-request-id, x-cello-read-models"

/** The middleware for `allowedOrigins` (exact origins such as `https://app.example.com`). */
export const middleware = (allowedOrigins: ReadonlyArray<string>) => {
  const allowed = new Set(allowedOrigins.map(normalizeOrigin))
  return <E, R>(
    app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const origin = request.headers.origin
      if (origin === undefined) return app
      const listed = allowed.has(normalizeOrigin(origin))
      if (
        listed &&
        request.method === "OPTIONS" &&
        request.headers["access-control-request-method"] !== undefined
      )
        return Effect.succeed(
          HttpServerResponse.empty({
            status: 204,
            headers: {
              "access-control-allow-origin": origin,
              "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
              "access-control-allow-headers": allowHeaders,
              "access-control-max-age": "600",
              vary: "Origin"
            }
          })
        )
      if (!listed && !safeMethods.has(request.method) && !sameOrigin(origin, request.headers.host))
        return Effect.succeed(
          Problem.toResponse(
            toProblem(new CrossOriginRefused({ origin: origin.slice(0, 200) }), {
              isDeclaredFailure: () => false,
              conditional: false
            })
          )
        )
      if (!listed) return app
      return Effect.map(
        app,
        HttpServerResponse.setHeaders({
          "access-control-allow-origin": origin,
          "access-control-expose-headers": exposeHeaders,
          vary: "Origin"
        })
      )
    })
}
