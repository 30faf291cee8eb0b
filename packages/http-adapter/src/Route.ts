/**
 * Routes from command and query definitions: `command(PlaceOrder, { path: "/orders", status: 201 })`
 * and `query(GetOrder, { path: "/orders/:id", payload: ({ params }) => ({ orderId: params.id }) })`.
 * A route reads the request, decodes the payload with the definition's schema, dispatches on the
 * bus, encodes the result with the success schema, and answers every failure as a problem.
 */
import { CommandBus, type Message, QueryBus } from "@cello/cqrs"
import { Effect, Option, Schema } from "effect"
import { type HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { type FailureAnswer, toProblem } from "./ErrorMapping.js"
import type { BodyTooLarge, MalformedJson, PreconditionFailed, UnsupportedMediaType } from "./HttpErrors.js"
import { type Incoming, type Served, toHandler } from "./Incoming.js"
import * as Problem from "./Problem.js"
import { jsonOf } from "./RequestBody.js"
import { decodePayload, definedParams, etagOf, expectedVersion, type RequestParts } from "./RequestParts.js"

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** `"/orders/:id/lines/:line"` → `"id" | "line"`. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never

export type PathParams<P extends string> = { readonly [K in ParamNames<P>]: string }

/** Services a route's handler reads from the request; the router provides them. */
export type RequestServices =
  | HttpServerRequest.HttpServerRequest
  | HttpServerRequest.ParsedSearchParams
  | HttpRouter.RouteContext

/**
 * What a route runs, as the OpenAPI document and the docs page describe it: a command or query
 * definition, or for saga routes a description built from the saga (its context is the payload).
 */
export interface Operation {
  readonly name: string
  readonly payload: Schema.Top
  readonly success: Schema.Top
  /** Declared domain failures (answered 409); `Schema.Never` when none. */
  readonly failure: Schema.Top
}

/** An answer a route gives for some results, as the OpenAPI document lists it. */
export interface ResultStatus {
  readonly status: number
  readonly description: string
  /** True when that answer is a problem (`application/problem+json`), not the success body. */
  readonly problem: boolean
}

export interface Route<R> {
  readonly kind: "command" | "query" | "saga" | "saga-status"
  readonly method: Method
  readonly path: `/${string}`
  readonly definition: Operation
  /** The status of a success (201, 200, or 204 for a success with no body). */
  readonly status: number
  readonly summary: string | undefined
  /** True when the route reads a JSON body (documented as the request body). */
  readonly readsBody: boolean
  /** True when the payload's other members come from the query string (a query's default). */
  readonly readsQuery: boolean
  /** True when `If-Match` names the expected version (documented with its 412). */
  readonly ifMatch: boolean
  /** Payload members filled from the path: not documented as body or query members. */
  readonly fromPath: ReadonlyArray<string>
  /** The answers of declared failures that are not the default (409, or 404 for a `…NotFound`). */
  readonly failureAnswers: Readonly<Record<string, FailureAnswer>>
  /** Answers other than `status` that some results get. */
  readonly results: ReadonlyArray<ResultStatus>
  /**
   * The schema of the success body when it is not the success schema (`response` reshapes it);
   * `undefined`: the success schema.
   */
  readonly responseSchema: Schema.Top | undefined
  /** Headers a success carries besides `x-request-id`. */
  readonly successHeaders: ReadonlyArray<"location" | "etag">
  /** The route over a request read by either server (effect's, or the adapter's direct Node path). */
  readonly serve: Served<R>
  /** The route for effect's router (the request and its parameters from the context). */
  readonly handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | RequestServices>
}

/** `F`'s `_tag`s: the keys of a route's `failures`. */
export type TagOf<F> = F extends { readonly _tag: infer T extends string } ? T : never

/** How each declared failure is answered, by its tag; the ones left out keep the default. */
export type FailureAnswers<F> = { readonly [T in TagOf<F>]?: FailureAnswer }

/** A status chosen by the result: the first whose `when` holds answers instead of `status`. */
export interface ResultAnswer<A, E> {
  readonly when: (result: A) => boolean
  readonly status: number
  /** For the OpenAPI document, e.g. "The transfer was undone". */
  readonly description: string
  /** Answer this problem instead of the success body (default: the success body with `status`). */
  readonly problem?: (result: A, encoded: E) => Problem.Problem
}

/** Which payload member each path parameter fills; default its own name. */
export type ParamMembers<P extends string> = { readonly [K in ParamNames<P>]?: string }

export interface CommandOptions<D extends Message.Definition, P extends `/${string}`> {
  /** Default `POST`. */
  readonly method?: Exclude<Method, "GET">
  readonly path: P
  /** Status of a success; default 200, or 204 when the success has no body. */
  readonly status?: number
  /** Sets `Location` on success, e.g. `(r) => \`/orders/${r.orderId}\``. */
  readonly location?: (result: Message.Success<D>) => string
  /** Sets a strong `ETag` on success, e.g. the stream's new version. */
  readonly etag?: (result: Message.Success<D>) => number | string
  /**
   * Builds the payload input (decoded with the definition's payload schema afterwards). Default:
   * the JSON body's members with the path parameters over them. Receives `expectedVersion` from
   * `If-Match: "<version>"`; put it in the payload to make the write conditional.
   */
  readonly payload?: (parts: RequestParts<PathParams<P>>) => unknown
  /**
   * The JSON body of a success; default the success encoded with its schema. `encoded` is that
   * encoding (JSON-safe: what a body should embed), `result` the decoded value.
   */
  readonly response?: (result: Message.Success<D>, encoded: D["success"]["Encoded"]) => unknown
  /** The schema of `response`'s body, for the OpenAPI document (without it: any JSON). */
  readonly responseSchema?: Schema.Top
  /**
   * Which payload member each path parameter fills, e.g. `{ id: "orderId" }` (default: its name).
   * Those members are not documented as body members.
   */
  readonly params?: ParamMembers<P>
  /**
   * The answer of each declared failure by its tag: status, problem `type` and `title`, e.g.
   * `{ OrderNotFound: { status: 400 }, OrderRejected: { status: 409, title: "Refused" } }`.
   * Default: 404 for a `…NotFound`, 409 otherwise.
   */
  readonly failures?: FailureAnswers<Message.Failure<D>>
  /** Statuses chosen by the result, e.g. 409 for a transfer that was undone; first match wins. */
  readonly results?: ReadonlyArray<ResultAnswer<Message.Success<D>, D["success"]["Encoded"]>>
  /**
   * Whether `If-Match: "<version>"` is the command's expected version (412 when it does not
   * match). Default: when the payload has an `expectedVersion` member. Other commands ignore a
   * well-formed `If-Match`.
   */
  readonly ifMatch?: boolean
  readonly summary?: string
}

/** `Option<A>` → `A`. */
export type OptionValue<T> = T extends Option.Option<infer A> ? A : never

/** `Found` is what the query answers when found: the `Some` of an `Option` success, or the success. */
export interface QueryOptions<Found, P extends `/${string}`> {
  readonly path: P
  /** Builds the payload input. Default: the query string's members with the path parameters over them. */
  readonly payload?: (parts: RequestParts<PathParams<P>>) => unknown
  /** Which payload member each path parameter fills, e.g. `{ id: "orderId" }` (default: its name). */
  readonly params?: ParamMembers<P>
  /** Sets a strong `ETag`, e.g. `(view) => view.version`; clients send it back in `If-Match`. */
  etag?(found: Found): number | string
  /** The JSON body; default the found value encoded with its schema (`encoded`: JSON-safe). */
  response?(found: Found, encoded: unknown): unknown
  /** The schema of `response`'s body, for the OpenAPI document (without it: any JSON). */
  readonly responseSchema?: Schema.Top
  readonly summary?: string
}

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

export const mergeInput = (base: unknown, params: Readonly<Record<string, string>>): unknown =>
  // A non-object body is passed as is, so the schema names it as the bad value.
  Object.keys(params).length === 0
    ? base
    : isObject(base)
      ? { ...base, ...params }
      : base === undefined
        ? params
        : base

export const notFound: Problem.Problem = {
  status: 404,
  slug: "not-found",
  title: "Not found",
  detail: "The resource does not exist."
}

/** Path parameters under the payload member names they fill. */
export const renameParams = (
  params: Readonly<Record<string, string>>,
  members: Readonly<Record<string, string | undefined>> | undefined
): Readonly<Record<string, string>> => {
  if (members === undefined) return params
  const out: Record<string, string> = {}
  for (const name in params) if (Object.hasOwn(params, name)) out[members[name] ?? name] = params[name] ?? ""
  return out
}

/** The payload members the path fills: each parameter's member name. */
export const membersFromPath = (
  path: string,
  members: Readonly<Record<string, string | undefined>> | undefined
): ReadonlyArray<string> => paramNames(path).map((name) => members?.[name] ?? name)

const failureAnswerOf =
  (answers: Readonly<Record<string, FailureAnswer | undefined>>) =>
  (tag: string): FailureAnswer | undefined =>
    Object.hasOwn(answers, tag) ? answers[tag] : undefined

/** Answers an error: 5xx are logged with their cause (the response never carries it). */
export const answerError = (
  definition: Operation,
  conditional: boolean,
  failures: Readonly<Record<string, FailureAnswer | undefined>> = {}
) => {
  const isDeclaredFailure = Schema.is(definition.failure)
  const failureAnswer = failureAnswerOf(failures)
  return (error: unknown): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
    const problem = toProblem(error, { isDeclaredFailure, conditional, failureAnswer })
    const log =
      problem.status >= 500
        ? Effect.logError(`${definition.name} failed`, error instanceof Error ? error.message : String(error))
        : Effect.void
    return Effect.as(log, Problem.toResponse(problem))
  }
}

const headersOf = (options: { readonly location?: string; readonly etag?: string }) => ({
  ...(options.location === undefined ? {} : { location: options.location }),
  ...(options.etag === undefined ? {} : { etag: options.etag })
})

/**
 * The success answer. Call it inside an effect's callback: a body JSON cannot carry (a BigInt, a
 * cycle) throws there, and Effect makes that a defect (a 500), as `HttpServerResponse.json` would
 * fail, without an effect of its own per request.
 */
export const respond = (status: number, body: unknown, headers: Readonly<Record<string, string>>) =>
  Effect.succeed(
    body === undefined
      ? HttpServerResponse.empty({ status: status === 200 ? 204 : status, headers })
      : HttpServerResponse.jsonUnsafe(body, { status, headers })
  )

interface Read<P extends string> {
  readonly parts: RequestParts<PathParams<P>>
  readonly conditional: boolean
}

/** `"/orders/:id"` → `["id"]`, the names `PathParams` types. */
export const paramNames = (path: string): ReadonlyArray<string> =>
  Array.from(path.matchAll(/:([A-Za-z0-9_]+)/g), (m) => m[1] ?? "")

const hasParams = <P extends string>(
  params: Readonly<Record<string, string>>,
  names: ReadonlyArray<string>
): params is Readonly<Record<string, string>> & PathParams<P> => names.every((name) => name in params)

/**
 * Reads a route's request parts. Make it once per route and call it per request. Written without
 * `Effect.gen` (a generator per request costs about a microsecond and a new V8 map): only the
 * If-Match check and the body read are Effects of their own.
 */
export const readParts = <P extends string>(path: P, readsBody: boolean, takesIfMatch = false) => {
  const names = paramNames(path)
  return (
    incoming: Incoming
  ): Effect.Effect<Read<P>, PreconditionFailed | MalformedJson | BodyTooLarge | UnsupportedMediaType> => {
    const raw = definedParams(incoming.params)
    // The router matched this route's template, so every name is there; a miss is a router bug.
    if (!hasParams<P>(raw, names))
      return Effect.die(new Error(`route ${path} matched without its path parameters`))
    const query = incoming.query
    // Only a command that takes an expected version evaluates If-Match; the others ignore it.
    const ifMatch = takesIfMatch ? incoming.header("if-match") : undefined
    const conditional = ifMatch !== undefined
    const withBody = (version: number | undefined) =>
      readsBody
        ? Effect.map(
            jsonOf(incoming),
            (body): Read<P> => ({
              parts: { params: raw, query, body, expectedVersion: version },
              conditional
            })
          )
        : Effect.succeed<Read<P>>({
            parts: { params: raw, query, body: undefined, expectedVersion: version },
            conditional
          })
    return ifMatch === undefined ? withBody(undefined) : Effect.flatMap(expectedVersion(ifMatch), withBody)
  }
}

/** True when the payload schema is a struct with an `expectedVersion` member. */
const hasExpectedVersion = (payload: Schema.Top): boolean =>
  "fields" in payload && isObject(payload.fields) && "expectedVersion" in payload.fields

const isVoid = (schema: Schema.Top): boolean => schema.ast._tag === "Void" || schema.ast._tag === "Undefined"

/** A route that dispatches a command on the `CommandBus`. */
export const command = <D extends Message.Definition, const P extends `/${string}`>(
  definition: D,
  options: CommandOptions<D, P>
): Route<CommandBus.CommandBus> => {
  const method = options.method ?? "POST"
  const readsBody = method !== "DELETE"
  const takesIfMatch = options.ifMatch ?? hasExpectedVersion(definition.payload)
  const failures: Readonly<Record<string, FailureAnswer | undefined>> = options.failures ?? {}
  const status = options.status ?? (isVoid(definition.success) && options.response === undefined ? 204 : 200)
  // Built once per route: the parts reader, the payload decoder, the success encoder.
  const read = readParts(options.path, readsBody, takesIfMatch)
  const decodeInput = decodePayload(definition)
  const encode = Schema.encodeEffect(Schema.toCodecJson(definition.success))
  const plainError = answerError(definition, false, failures)
  const conditionalError = answerError(definition, true, failures)
  // Only a failure reads whether the request was conditional (If-Match on a versioned command).
  const answer = (incoming: Incoming, error: unknown) =>
    takesIfMatch && incoming.header("if-match") !== undefined ? conditionalError(error) : plainError(error)
  const succeeded = (result: Message.Success<D>) =>
    Effect.flatMap(
      Effect.orDie(encode(result)),
      (encoded: D["success"]["Encoded"]): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
        const chosen = options.results?.find((answer) => answer.when(result))
        if (chosen?.problem !== undefined)
          return Effect.succeed(Problem.toResponse(chosen.problem(result, encoded)))
        const body = options.response === undefined ? encoded : options.response(result, encoded)
        return respond(
          chosen?.status ?? status,
          body,
          headersOf({
            ...(options.location === undefined ? {} : { location: options.location(result) }),
            ...(options.etag === undefined ? {} : { etag: etagOf(options.etag(result)) })
          })
        )
      }
    )
  // Made once per route: per request only the effects themselves are built (no closures, no
  // generator: a generator made per request costs about a microsecond and a V8 map).
  const decodeParts = ({ parts }: Read<P>) =>
    decodeInput(
      options.payload === undefined
        ? mergeInput(parts.body, renameParams(parts.params, options.params))
        : options.payload(parts)
    )
  const dispatch = (payload: Message.Payload<D>) => CommandBus.dispatch(definition, payload)
  const serve: Served<CommandBus.CommandBus> = (incoming) =>
    Effect.catch(
      Effect.flatMap(Effect.flatMap(Effect.flatMap(read(incoming), decodeParts), dispatch), succeeded),
      takesIfMatch ? (error) => answer(incoming, error) : plainError
    )
  const answers: Record<string, FailureAnswer> = {}
  for (const [tag, answer] of Object.entries(failures)) if (answer !== undefined) answers[tag] = answer
  return {
    kind: "command",
    method,
    path: options.path,
    definition,
    status,
    summary: options.summary,
    readsBody,
    readsQuery: false,
    ifMatch: takesIfMatch,
    fromPath: options.payload === undefined ? membersFromPath(options.path, options.params) : [],
    failureAnswers: answers,
    results: (options.results ?? []).map((answer) => ({
      status: answer.status,
      description: answer.description,
      problem: answer.problem !== undefined
    })),
    responseSchema: options.response === undefined ? undefined : (options.responseSchema ?? Schema.Unknown),
    successHeaders: [
      ...(options.location === undefined ? [] : ["location" as const]),
      ...(options.etag === undefined ? [] : ["etag" as const])
    ],
    serve,
    handler: toHandler(serve)
  }
}

const foundOf = (value: unknown, encoded: unknown): Option.Option<{ value: unknown; encoded: unknown }> => {
  if (!Option.isOption(value)) return Option.some({ value, encoded })
  if (Option.isNone(value)) return Option.none()
  // An `Option` success encodes as `{ _tag: "Some", value }`: the body is its value.
  return Option.some({ value: value.value, encoded: isObject(encoded) ? encoded.value : encoded })
}

/** A route (`GET`) that dispatches a query on the `QueryBus`; an `Option.none()` answer is a 404. */
export function query<
  N extends string,
  Pl extends Message.Plain,
  S extends Message.Plain & { readonly Type: Option.Option<unknown> },
  F extends Message.Plain,
  const P extends `/${string}`
>(
  definition: Message.Definition<N, Pl, S, F>,
  options: QueryOptions<OptionValue<S["Type"]>, P>
): Route<QueryBus.QueryBus>
export function query<
  N extends string,
  Pl extends Message.Plain,
  S extends Message.Plain,
  F extends Message.Plain,
  const P extends `/${string}`
>(definition: Message.Definition<N, Pl, S, F>, options: QueryOptions<S["Type"], P>): Route<QueryBus.QueryBus>
export function query(
  definition: Message.Definition,
  options: QueryOptions<unknown, `/${string}`>
): Route<QueryBus.QueryBus> {
  // Built once per route: the parts reader, the payload decoder, the success encoder.
  const read = readParts(options.path, false)
  const decodeInput = decodePayload(definition)
  const encode = Schema.encodeUnknownEffect(Schema.toCodecJson(definition.success))
  const failed = answerError(definition, false)
  const found = (result: unknown) =>
    Effect.flatMap(
      Effect.orDie(encode(result)),
      (encoded): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
        const found = foundOf(result, encoded)
        if (Option.isNone(found)) return Effect.succeed(Problem.toResponse(notFound))
        const value = found.value.value
        const body =
          options.response === undefined ? found.value.encoded : options.response(value, found.value.encoded)
        return respond(
          200,
          body,
          headersOf(options.etag === undefined ? {} : { etag: etagOf(options.etag(value)) })
        )
      }
    )
  const decodeParts = ({ parts }: Read<`/${string}`>) =>
    decodeInput(
      options.payload === undefined
        ? mergeInput(parts.query, renameParams(parts.params, options.params))
        : options.payload(parts)
    )
  const dispatch = (payload: unknown) => QueryBus.dispatch(definition, payload)
  // Made once per route: per request only the effects themselves are built.
  const serve: Served<QueryBus.QueryBus> = (incoming) =>
    Effect.catch(
      Effect.flatMap(Effect.flatMap(Effect.flatMap(read(incoming), decodeParts), dispatch), found),
      failed
    )
  return {
    kind: "query",
    method: "GET",
    path: options.path,
    definition,
    status: 200,
    summary: options.summary,
    readsBody: false,
    readsQuery: options.payload === undefined,
    ifMatch: false,
    fromPath: membersFromPath(options.path, options.params),
    failureAnswers: {},
    results: [],
    responseSchema: options.response === undefined ? undefined : (options.responseSchema ?? Schema.Unknown),
    successHeaders: options.etag === undefined ? [] : ["etag"],
    serve,
    handler: toHandler(serve)
  }
}
