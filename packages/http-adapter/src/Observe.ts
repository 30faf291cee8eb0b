/**
 * Around every route: a request id and trace id (from `x-request-id` and `traceparent` when the
 * client sent sane ones), the correlation id of everything the request causes, one Debug log line per request annotated with both, the HTTP metrics, the
 * `x-request-id` echo, and the last line of defence: a defect is logged and answered with a generic
 * 500 problem that says nothing of it.
 */

import { MessageContext } from "@cello/eventsourcing"
import { Cause, Clock, Effect, LogLevel, Option, Tracer } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as HttpMetrics from "./HttpMetrics.js"
import * as Problem from "./Problem.js"

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

// 32 hex digits from a random UUID: Node draws UUIDs from a buffered pool, where a
// `getRandomValues` call per id cost about a sixth of a trivial request.
const randomId = (): string => crypto.randomUUID().replaceAll("-", "")

/**
 * The ids of a request: honours `traceparent` and `x-request-id`, makes up what is missing or odd.
 * Given the route template, names it on the request's span (`http.route`) when one is recorded.
 */
export const requestIds = (
  headers: Readonly<Record<string, string | undefined>>,
  route?: string
): Effect.Effect<RequestIds> =>
  Effect.gen(function* () {
    const fromParent = traceparent.exec(headers.traceparent?.trim().toLowerCase() ?? "")?.[1]
    // Read from the context: `Effect.currentSpan` fails (an error built per request) when none is open.
    const span = yield* Effect.serviceOption(Tracer.ParentSpan)
    // Only with a tracer installed is there a span here (Effect opens none for its native tracer).
    if (route !== undefined && Option.isSome(span) && span.value._tag === "Span" && span.value.sampled)
      span.value.attribute("http.route", route)
    const traceId =
      fromParent !== undefined && !/^0+$/.test(fromParent)
        ? fromParent
        : Option.isSome(span)
          ? span.value.traceId
          : randomId()
    const given = headers["x-request-id"]?.trim()
    const sane = given !== undefined && saneRequestId.test(given) ? given : undefined
    const requestId = sane ?? randomId()
    const correlationId = traceId === fromParent ? traceId : (sane ?? traceId)
    return { requestId, traceId, correlationId }
  })

export const observe =
  (routeTemplate: string) =>
  <R>(
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const ids = yield* requestIds(request.headers, routeTemplate)
      return yield* Effect.gen(function* () {
        const started = yield* Clock.currentTimeNanos
        const response = yield* handler.pipe(
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause)
              ? Effect.failCause(cause)
              : Effect.logError("request failed with a defect", Cause.pretty(cause)).pipe(
                  Effect.as(Problem.toResponse(Problem.internal))
                )
          )
        )
        const seconds = Number((yield* Clock.currentTimeNanos) - started) / 1e9
        yield* HttpMetrics.record(request.method, routeTemplate, response.status, seconds)
        // At Debug: quiet by default (Effect's minimum level is Info), so apps and their tests do not
        // print a line per request. Built only when it will be written.
        if (yield* LogLevel.isEnabled("Debug"))
          yield* Effect.logDebug(`${request.method} ${request.url.slice(0, 300)} ${response.status}`).pipe(
            Effect.annotateLogs({ route: routeTemplate, status: response.status, durationMs: seconds * 1000 })
          )
        return HttpServerResponse.setHeader(response, "x-request-id", ids.requestId)
      }).pipe(
        Effect.annotateLogs({ requestId: ids.requestId, traceId: ids.traceId }),
        // Commands, sagas and the event store read it: the events the request causes carry it.
        MessageContext.provide({ correlationId: ids.correlationId })
      )
    })

/**
 * Runs a handler under the request's correlation id (its `MessageContext`), as `observe` does: for
 * routes an app adds to the router itself, so the events they cause are correlated like the adapter's.
 */
export const correlated = <A, E, R>(
  handler: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.flatMap(requestIds(request.headers), (ids) =>
      MessageContext.provide(handler, { correlationId: ids.correlationId })
    )
  )
