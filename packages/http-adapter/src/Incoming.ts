/**
 * What the adapter's routes read from a request, whichever server read it: effect's server (its
 * `HttpServerRequest` and router) or the direct Node path (`Direct.ts`). A route is written once over
 * this, so problems, `If-Match`, body checks, metrics and correlation are one implementation.
 */
import { ByteSize, Context, Effect } from "effect"
import {
  HttpIncomingMessage,
  HttpRouter,
  type HttpServerError,
  HttpServerRequest,
  type HttpServerResponse
} from "effect/http"
import { HttpAdapterConfig } from "./HttpAdapterConfig.js"
import { BodyTooLarge, MalformedJson } from "./HttpErrors.js"

export interface Incoming {
  /** Upper case, as sent. */
  readonly method: string
  /** The path and query string, as sent. */
  readonly url: string
  /** A header's value (names are lower case). */
  header(name: string): string | undefined
  /** Path parameters of the matched template. */
  readonly params: Readonly<Record<string, string | undefined>>
  readonly query: Readonly<Record<string, string | ReadonlyArray<string>>>
  /** The most body bytes a route reads. */
  readonly bodyLimit: number
  /** The body's bytes: `BodyTooLarge` past `bodyLimit`, `MalformedJson` when it could not be read. */
  readonly bytes: Effect.Effect<Uint8Array, BodyTooLarge | MalformedJson>
}

/** A route over an `Incoming`: how both servers run it. */
export type Served<R> = (incoming: Incoming) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>

/** The request's `HttpServerError` when reading its body failed because it passed the limit. */
const passedLimit = (error: HttpServerError.HttpServerError): boolean =>
  error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"

/**
 * Reads with the server's own body reader (one callback on Node's `data` events, or the Fetch
 * request's), which stops buffering at the limit: an Effect `Stream` per request cost more than the
 * rest of a small command's route.
 */
const bytesOf = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  request.arrayBuffer.pipe(
    Effect.map((buffer) => new Uint8Array(buffer)),
    Effect.mapError((error) =>
      passedLimit(error)
        ? new BodyTooLarge({ limit })
        : new MalformedJson({ detail: "the body could not be read" })
    ),
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(limit))
  )

/** An effect request as an `Incoming`, with the router's parameters when there are some. */
export const fromRequest = (
  request: HttpServerRequest.HttpServerRequest,
  bodyLimit: number,
  params: Readonly<Record<string, string | undefined>> = {},
  query: Readonly<Record<string, string | ReadonlyArray<string>>> = {}
): Incoming => ({
  method: request.method,
  url: request.url,
  header: (name) => request.headers[name],
  params,
  query,
  bodyLimit,
  bytes: bytesOf(request, bodyLimit)
})

/**
 * A route as effect's router runs it: the request, its parameters and the body limit read from the
 * fiber's context (the adapter's `HttpAdapterConfig`) unless given.
 */
export const toHandler = <R>(
  served: Served<R>,
  bodyLimit?: number
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  R | HttpServerRequest.HttpServerRequest | HttpServerRequest.ParsedSearchParams | HttpRouter.RouteContext
> =>
  Effect.withFiber((fiber) => {
    const context = fiber.context
    const limit = bodyLimit ?? Context.get(context, HttpAdapterConfig).bodyLimit
    return served(
      fromRequest(
        Context.getUnsafe(context, HttpServerRequest.HttpServerRequest),
        limit,
        Context.getUnsafe(context, HttpRouter.RouteContext).params,
        Context.getUnsafe(context, HttpServerRequest.ParsedSearchParams)
      )
    )
  })
