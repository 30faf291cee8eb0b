/**
 * Around every route: a request id and trace id (from `x-request-id` and `traceparent` when the
 * client sent sane ones), the correlation id of everything the request causes, one Debug log line per request annotated with both, the HTTP metrics, the
 * `x-request-id` echo, and the last line of defence: a defect is logged and answered with a generic
 * 500 problem that says nothing of it.
 */

import { MessageContext } from "@cello/eventsourcing"
import { Cause, Clock, Context, Effect, LogLevel, References, Tracer } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as HttpMetrics from "./HttpMetrics.js"
import * as Problem from "./Problem.js"
import { randomId } from "./randomId.js"

export interface RequestIds {
  readonly requestId: string
  readonly traceId: string
  /**
   * What everything the request causes is correlated by: the `traceparent` trace id when the client
   * sent one, else its `x-request-id`, else the trace id made up here (the one its logs carry).
   */
  readonly correlationId: string
}

const traceparent = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/
// Visible ASCII only: the id is echoed in a header and written to logs.
const saneRequestId = /^[\x21-\x7e]{1,128}$/
const allZero = /^0+$/

/** Where a request's headers are read (names are lower case). */
export interface HeaderSource {
  header(name: string): string | undefined
}

/** What `observe` reads from a request. */
export interface RequestLine extends HeaderSource {
  readonly method: string
  readonly url: string
}

const headersOf = (headers: Readonly<Record<string, string | undefined>>): HeaderSource => ({
  header: (name) => headers[name]
})

/** The ids, given the span open around the request (only with a tracer installed is there one). */
export const idsOf = (source: HeaderSource, span: Tracer.AnySpan | undefined): RequestIds => {
  const parent = source.header("traceparent")
  const fromParent = parent === undefined ? undefined : traceparent.exec(parent.trim().toLowerCase())?.[1]
  const traceId =
    fromParent !== undefined && !allZero.test(fromParent) ? fromParent : (span?.traceId ?? randomId())
  const given = source.header("x-request-id")?.trim()
  const sane = given !== undefined && saneRequestId.test(given) ? given : undefined
  const requestId = sane ?? randomId()
  const correlationId = traceId === fromParent ? traceId : (sane ?? traceId)
  return { requestId, traceId, correlationId }
}

// Read from the context: `Effect.currentSpan` fails (an error built per request) when none is open.
const idsIn = (
  context: Context.Context<never>,
  source: HeaderSource,
  route: string | undefined
): RequestIds => {
  const span = Context.getOrUndefined(context, Tracer.ParentSpan)
  if (route !== undefined && span !== undefined && span._tag === "Span" && span.sampled)
    span.attribute("http.route", route)
  return idsOf(source, span)
}

/**
 * The ids of a request: honours `traceparent` and `x-request-id`, makes up what is missing or odd.
 * Given the route template, names it on the request's span (`http.route`) when one is recorded.
 */
export const requestIds = (
  headers: Readonly<Record<string, string | undefined>>,
  route?: string
): Effect.Effect<RequestIds> =>
  Effect.withFiber((fiber) => Effect.succeed(idsIn(fiber.context, headersOf(headers), route)))

const answerDefect = (cause: Cause.Cause<never>) =>
  Cause.hasInterruptsOnly(cause)
    ? Effect.failCause(cause)
    : Effect.as(
        Effect.logError("request failed with a defect", Cause.pretty(cause)),
        Problem.toResponse(Problem.internal)
      )

/**
 * What a request's context holds of it: its ids in the log annotations (added to `annotations`, the
 * context's own), and its correlation id as the message context (commands, sagas and the event store
 * read it: the events the request causes carry it).
 */
export const idEntries = (
  annotations: Readonly<Record<string, unknown>>,
  ids: RequestIds
): ReadonlyArray<readonly [string, unknown]> => [
  [References.CurrentLogAnnotations.key, { ...annotations, requestId: ids.requestId, traceId: ids.traceId }],
  [MessageContext.Current.key, { correlationId: ids.correlationId }]
]

/** `context` with the request's `idEntries`. */
export const withIds = <R>(context: Context.Context<R>, ids: RequestIds): Context.Context<R> => {
  let withEntries = context
  for (const [key, value] of idEntries(Context.get(context, References.CurrentLogAnnotations), ids))
    withEntries = Context.addUnsafe<R, never, unknown>(withEntries, key, value)
  return withEntries
}

/**
 * A route observed: `run` answers a request in a fiber whose context already holds its ids
 * (`withIds`), as the direct Node path starts it (which writes `x-request-id` with the answer);
 * `served` lays them over the fiber's context first and sets `x-request-id`, as under effect's
 * server. Written without `Effect.gen` (a generator function made per request cost
 * about a microsecond: V8 makes a map for every new generator closure).
 */
export const observed = <I extends RequestLine, R>(
  routeTemplate: string,
  served: (incoming: I) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
) => {
  const run = (incoming: I): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> =>
    Effect.withFiber((fiber) => {
      const clock = fiber.getRef(Clock.Clock)
      const started = clock.currentTimeNanosUnsafe()
      return Effect.flatMap(Effect.catchCause(served(incoming), answerDefect), (response) => {
        const seconds = Number(clock.currentTimeNanosUnsafe() - started) / 1e9
        HttpMetrics.recordUnsafe(fiber.context, incoming.method, routeTemplate, response.status, seconds)
        // At Debug: quiet by default (Effect's minimum level is Info), so apps and their tests do not
        // print a line per request. Built only when it will be written.
        return LogLevel.isGreaterThan(fiber.getRef(References.MinimumLogLevel), "Debug")
          ? Effect.succeed(response)
          : Effect.as(
              Effect.logDebug(`${incoming.method} ${incoming.url.slice(0, 300)} ${response.status}`).pipe(
                Effect.annotateLogs({
                  route: routeTemplate,
                  status: response.status,
                  durationMs: seconds * 1000
                })
              ),
              response
            )
      })
    })
  const inContext = (incoming: I): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> =>
    Effect.withFiber((fiber) => {
      const ids = idsIn(fiber.context, incoming, routeTemplate)
      return Effect.map(
        Effect.updateContext(run(incoming), (context: Context.Context<R>) => withIds(context, ids)),
        (response) => HttpServerResponse.setHeader(response, "x-request-id", ids.requestId)
      )
    })
  return { run, served: inContext }
}

const lineOf = (request: HttpServerRequest.HttpServerRequest): RequestLine => ({
  method: request.method,
  url: request.url,
  header: (name) => request.headers[name]
})

/**
 * Around a handler of effect's router: the ids, the log line, the metrics and the defect answer
 * described above, for the request in context.
 */
export const observe =
  (routeTemplate: string) =>
  <R>(
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> => {
    const { served } = observed(routeTemplate, () => handler)
    return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => served(lineOf(request)))
  }

/**
 * Runs a handler under the request's correlation id (its `MessageContext`), as `observe` does: for
 * routes an app adds to the router itself, so the events they cause are correlated like the adapter's.
 */
export const correlated = <A, E, R>(
  handler: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.withFiber((fiber) => {
    const request = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
    const ids = idsIn(fiber.context, headersOf(request.headers), undefined)
    return MessageContext.provide(handler, { correlationId: ids.correlationId })
  })
