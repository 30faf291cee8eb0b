/**
 * The demo's own routes, for what `HttpAdapter.command/query` cannot say: a status per declared
 * failure (the seeds answer 400 for most rejections, 409 for others), a status chosen by the result
 * (a compensated transfer is 409 with the saga as body), and pages that are not one message
 * (`/`). They answer errors with the adapter's problem+json and count in its HTTP metrics.
 */
import { CommandBus, type Message } from "@cello/cqrs"
import {
  ErrorMapping,
  HttpAdapterConfig,
  HttpMetrics,
  Observe,
  Problem,
  RequestBody
} from "@cello/http-adapter"
import { Cause, Clock, Context, Effect, type Layer, Schema, type Scope } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"

/** What the router provides to every handler. */
export type RequestServices =
  | HttpServerRequest.HttpServerRequest
  | HttpServerRequest.ParsedSearchParams
  | HttpRouter.RouteContext

export type Response = HttpServerResponse.HttpServerResponse

export interface Route<R> {
  readonly method: "GET" | "POST"
  readonly path: `/${string}`
  readonly handler: Effect.Effect<Response, never, R | RequestServices | BodyLimit>
}

/** The adapter's body limit, read once when the routes are built. */
export class BodyLimit extends Context.Service<BodyLimit, number>()("@cello/demo/BodyLimit") {}

const observe =
  (route: string) =>
  <R>(handler: Effect.Effect<Response, never, R>): Effect.Effect<Response, never, R | RequestServices> =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const started = yield* Clock.currentTimeNanos
      const response = yield* handler.pipe(
        // The last line of defence: a defect is logged, and the client learns nothing of it.
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.failCause(cause)
            : Effect.as(
                Effect.logError("request failed with a defect", Cause.pretty(cause)),
                Problem.toResponse(Problem.internal)
              )
        )
      )
      const seconds = Number((yield* Clock.currentTimeNanos) - started) / 1e9
      yield* HttpMetrics.record(request.method, route, response.status, seconds)
      return response
    })

/** The routes as a Layer for `HttpRouter`; the services they need are taken when it is built. */
export const layer = <R>(
  routes: ReadonlyArray<Route<R>>
): Layer.Layer<never, never, HttpRouter.HttpRouter | Exclude<R, Scope.Scope>> =>
  HttpRouter.use((router) =>
    Effect.gen(function* () {
      const services = yield* Effect.context<R>()
      const settings = yield* HttpAdapterConfig.HttpAdapterConfig
      for (const route of routes) {
        const handler = Effect.updateContext(
          observe(route.path)(Observe.correlated(route.handler)),
          (own: Context.Context<RequestServices>) =>
            Context.add(Context.merge(services, own), BodyLimit, settings.bodyLimit)
        )
        yield* router.add(route.method, route.path, handler)
      }
    })
  )

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/**
 * A problem+json answer. Its `error` member is the `detail` unless `error` is given: the seed's
 * saga failure says `{"error": "Saga failed at step 'x'", "detail": "why"}`.
 */
export const problem = (
  status: number,
  tag: string,
  detail: string,
  extensions: Readonly<Record<string, unknown>> = {},
  error?: string
): Response => {
  const body = Problem.toJson({
    status,
    slug: Problem.slugOf(tag),
    title: Problem.titleOf(tag),
    detail,
    extensions
  })
  return HttpServerResponse.jsonUnsafe(error === undefined ? body : { ...body, error }, {
    status,
    contentType: Problem.contentType
  })
}

/**
 * Answers an error of a dispatch: a declared failure with `failureStatus(error)` and its message;
 * anything else as the adapter would (422 validation, 400 malformed JSON, 413, 503, 500).
 */
export const answerError =
  <D extends Message.Definition>(definition: D, failureStatus: (failure: Message.Failure<D>) => number) =>
  (error: unknown): Effect.Effect<Response> => {
    const isFailure: (u: unknown) => u is Message.Failure<D> = Schema.is(definition.failure)
    if (isFailure(error))
      return Effect.succeed(problem(failureStatus(error), ErrorMapping.tagOf(error), describe(error)))
    const answer = ErrorMapping.toProblem(error, { isDeclaredFailure: () => false, conditional: false })
    const log =
      answer.status >= 500 ? Effect.logError(`${definition.name} failed`, describe(error)) : Effect.void
    return Effect.as(log, Problem.toResponse(answer))
  }

export const json = (body: unknown, status = 200): Response => HttpServerResponse.jsonUnsafe(body, { status })

/** The path parameters of the matched route. */
export const params = Effect.map(HttpRouter.params, (raw) => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) if (value !== undefined) out[key] = value
  return out
})

export interface CommandOptions<D extends Message.Definition> {
  readonly path: `/${string}`
  /** The payload from the path parameters and the JSON body (`undefined` when there is none). */
  readonly input: (parts: {
    readonly params: Readonly<Record<string, string>>
    readonly body: unknown
  }) => unknown
  /** The status of each declared failure. */
  readonly failureStatus: (failure: Message.Failure<D>) => number
  /**
   * The answer to a success, encoded with the definition's success schema (money as the seeds show
   * it): `json(body, status)`, or a `problem` when the result is a failure.
   */
  readonly respond: (result: D["success"]["Encoded"]) => Response
}

/**
 * A `POST` that reads its JSON body and decodes its payload as the adapter's routes do (415, 413,
 * 400, and 422 naming each bad field, NUL and lone surrogates included), then dispatches it on the
 * `CommandBus`.
 */
export const command = <D extends Message.Definition>(
  definition: D,
  options: CommandOptions<D>
): Route<CommandBus.CommandBus> => ({
  method: "POST",
  path: options.path,
  handler: Effect.gen(function* () {
    const body = yield* RequestBody.readJson(yield* BodyLimit)
    const payload = yield* RequestBody.decode(definition)(options.input({ params: yield* params, body }))
    const result = yield* CommandBus.dispatch(definition, payload)
    const encoded: D["success"]["Encoded"] = yield* Effect.orDie(
      Schema.encodeEffect(Schema.toCodecJson(definition.success))(result)
    )
    return options.respond(encoded)
  }).pipe(Effect.catch(answerError(definition, options.failureStatus)))
})

/** A constant JSON answer. */
export const respondWith = (body: unknown): Effect.Effect<Response> => Effect.succeed(json(body))
