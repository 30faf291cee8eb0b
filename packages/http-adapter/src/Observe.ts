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

/** The ids, given the span open around the request (only with a tracer installed is there one). */
const idsOf = (
  headers: Readonly<Record<string, string | undefined>>,
  span: Tracer.AnySpan | undefined
): RequestIds => {
  const parent = headers.traceparent
  const fromParent = parent === undefined ? undefined : traceparent.exec(parent.trim().toLowerCase())?.[1]
  const traceId =
    fromParent !== undefined && !allZero.test(fromParent) ? fromParent : (span?.traceId ?? randomId())
  const given = headers["x-request-id"]?.trim()
  const sane = given !== undefined && saneRequestId.test(given) ? given : undefined
  const requestId = sane ?? randomId()
  const correlationId = traceId === fromParent ? traceId : (sane ?? traceId)
  return { requestId, traceId, correlationId }
}

// Read from the context: `Effect.currentSpan` fails (an error built per request) when none is open.
const idsIn = (
  context: Context.Context<never>,
  headers: Readonly<Record<string, string | undefined>>,
  route: string | undefined
): RequestIds => {
  const span = Context.getOrUndefined(context, Tracer.ParentSpan)
  if (route !== undefined && span !== undefined && span._tag === "Span" && span.sampled)
    span.attribute("http.route", route)
  return idsOf(headers, span)
}

/**
 * The ids of a request: honours `traceparent` and `x-request-id`, makes up what is missing or odd.
 * Given the route template, names it on the request's span (`http.route`) when one is recorded.
 */
export const requestIds = (
  headers: Readonly<Record<string, string | undefined>>,
  route?: string
): Effect.Effect<RequestIds> =>
  Effect.withFiber((fiber) => Effect.succeed(idsIn(fiber.context, headers, route)))

const answerDefect = (cause: Cause.Cause<never>) =>
  Cause.hasInterruptsOnly(cause)
    ? Effect.failCause(cause)
    : Effect.as(
        Effect.logError("request failed with a defect", Cause.pretty(cause)),
        Problem.toResponse(Problem.internal)
      )

/**
 * Written without `Effect.gen` and with one context update: it runs on every request, and a
 * generator function made per request cost about a microsecond each (V8 makes a map for every new
 * generator closure).
 */
export const observe =
  (routeTemplate: string) =>
  <R>(
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> => {
    const guarded = Effect.catchCause(handler, answerDefect)
    return Effect.withFiber((fiber) => {
      const request = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
      const ids = idsIn(fiber.context, request.headers, routeTemplate)
      const clock = fiber.getRef(Clock.Clock)
      const started = clock.currentTimeNanosUnsafe()
      const answered = Effect.flatMap(guarded, (response) => {
        const seconds = Number(clock.currentTimeNanosUnsafe() - started) / 1e9
        HttpMetrics.recordUnsafe(fiber.context, request.method, routeTemplate, response.status, seconds)
        const withId = HttpServerResponse.setHeader(response, "x-request-id", ids.requestId)
        // At Debug: quiet by default (Effect's minimum level is Info), so apps and their tests do not
        // print a line per request. Built only when it will be written.
        return LogLevel.isGreaterThan(fiber.getRef(References.MinimumLogLevel), "Debug")
          ? Effect.succeed(withId)
          : Effect.as(
              Effect.logDebug(`${request.method} ${request.url.slice(0, 300)} ${response.status}`).pipe(
                Effect.annotateLogs({
                  route: routeTemplate,
                  status: response.status,
                  durationMs: seconds * 1000
                })
              ),
              withId
            )
      })
      return Effect.updateContext(answered, (context: Context.Context<R>) =>
        // The log annotations and the message context (commands, sagas and the event store read it:
        // the events the request causes carry its correlation id), in one step.
        Context.add(
          Context.add(context, References.CurrentLogAnnotations, {
            ...Context.get(context, References.CurrentLogAnnotations),
            requestId: ids.requestId,
            traceId: ids.traceId
          }),
          MessageContext.Current,
          { correlationId: ids.correlationId }
        )
      )
    })
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
    const ids = idsIn(fiber.context, request.headers, undefined)
    return MessageContext.provide(handler, { correlationId: ids.correlationId })
  })
