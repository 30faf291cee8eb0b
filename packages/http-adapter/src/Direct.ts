/**
 * The direct Node path. Under effect's server a request to one of the adapter's own routes (commands,
 * queries, sagas) paid for effect's request object, its router, the global middleware's wrappers
 * and a merge of the routes' services into the request's context: about a fifth of what a demo
 * `POST /orders` on PostgreSQL allocated (27 of 130 KB). Here the same route (`Route.serve`, `observe`, the `If-Match` guard)
 * answers from Node's request itself, in a fiber started with the routes' services and the request's
 * ids already in its context.
 *
 * Only what it answers exactly as effect's server would goes this way; everything else is handed to
 * effect's listener: other routes (the app's own, health, metrics, documents, pages, the 404), `HEAD`,
 * `OPTIONS`, a request with `Origin` (CORS), with `Expect`, with a chunked body or one over the body
 * limit, a path with `%`, HTTP/2. The whole path stays off when the app adds global middleware of its
 * own, when a route middleware wraps the adapter's routes, when the router is prefixed, and for routes
 * whose services hold a tracer that records spans (effect's server opens the request's span).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { MessageContext } from "@cello/eventsourcing"
import { Context, Effect, type Exit, Fiber, Layer, References, Scope, Tracer } from "effect"
import { Cookies, FindMyWay, HttpRouter, type HttpServerResponse } from "effect/http"
import { MalformedJson } from "./HttpErrors.js"
import type { Incoming } from "./Incoming.js"
import { idsOf, type RequestIds } from "./Observe.js"
import * as Problem from "./Problem.js"

type Response = HttpServerResponse.HttpServerResponse

/** Starts a request's fiber; `done` sees its exit and the request's id (for `x-request-id`). */
type Start = (
  incoming: Incoming,
  done: (exit: Exit.Exit<Response>, requestId: string) => void
) => Fiber.Fiber<Response>

/** Made once the server's own context is known; `undefined` when the route must not go direct. */
export type Prepare = (outer: Context.Context<never>) => Start | undefined

interface Slot {
  readonly prepare: Prepare | undefined
  start: Start | undefined
}

// A request's context gains entries layer by layer (its ids, the bus's message, the handler's
// services, spans): past Effect's default of 8 each addition copies every service into a new map.
const maxDepth = 32

/**
 * How the routes of one `make` go direct: their services under the server's context, as effect's
 * path merges them, made flat once for them all; per request only the ids are added. `run` answers
 * a request in a fiber whose context holds its ids (`Observe.observed`).
 */
export const routesOver = <R>(services: Context.Context<R>) => {
  let made: { readonly outer: Context.Context<never>; readonly base: Base | undefined } | undefined
  const baseUnder = (outer: Context.Context<never>) => {
    if (made?.outer !== outer) {
      const base = Context.makeUnsafe<R>(Context.merge(services, outer).mapUnsafe, { maxDepth })
      // Effect's server opens each request's span when a tracer records them; this path does not.
      made = {
        outer,
        base:
          Context.get(base, Tracer.Tracer) === Tracer.nativeTracer
            ? {
                entries: Array.from(base.mapUnsafe),
                annotations: Context.get(base, References.CurrentLogAnnotations)
              }
            : undefined
      }
    }
    return made.base
  }
  return (
    run: (incoming: Incoming) => Effect.Effect<Response, never, R>,
    options: {
      /** Its own Scope per request, as under effect's server: a saga's steps may need one. */
      readonly scoped: boolean
    }
  ): Prepare =>
    (outer) => {
      const base = baseUnder(outer)
      if (base === undefined) return undefined
      return (incoming, done) => {
        const ids = idsOf(incoming, undefined)
        if (!options.scoped) {
          const fiber = Effect.runForkWith(requestContext<R>(base, ids, undefined))(run(incoming))
          fiber.addObserver((exit) => done(exit, ids.requestId))
          return fiber
        }
        const scope = Scope.makeUnsafe()
        const fiber = Effect.runForkWith(requestContext<R>(base, ids, scope))(run(incoming))
        fiber.addObserver((exit) => {
          done(exit, ids.requestId)
          const closing = Scope.closeUnsafe(scope, exit)
          if (closing !== undefined) Effect.runFork(closing)
        })
        return fiber
      }
    }
}

/** The routes' services under the server's context, as entries, and the log annotations there. */
interface Base {
  readonly entries: ReadonlyArray<readonly [string, unknown]>
  readonly annotations: Readonly<Record<string, unknown>>
}

/**
 * A request's context: the base's entries, its ids (as `Observe.withIds` adds them) and its Scope,
 * in one flat map. Not entries laid over the shared base: a request looks services up more often
 * than the base has entries (a handler's services are compared with the caller's one by one), and
 * past that Effect copies the base into a new map anyway, through an iterator (twice the garbage).
 */
const requestContext = <R>(
  base: Base,
  ids: RequestIds,
  scope: Scope.Scope | undefined
): Context.Context<R> => {
  const map = new Map<string, unknown>()
  for (const [key, service] of base.entries) map.set(key, service)
  map.set(References.CurrentLogAnnotations.key, {
    ...base.annotations,
    requestId: ids.requestId,
    traceId: ids.traceId
  })
  map.set(MessageContext.Current.key, { correlationId: ids.correlationId })
  if (scope !== undefined) map.set(Scope.Scope.key, scope)
  return Context.makeUnsafe<R>(map, { maxDepth })
}

/** Keys under which effect's router keeps a route middleware (`HttpRouter.middleware` without `global`). */
const routeMiddlewarePrefix = "effect/http/HttpRouter/Middleware-"

const hasRouteMiddleware = (context: Context.Context<never>): boolean => {
  for (const key of context.mapUnsafe.keys()) if (key.startsWith(routeMiddlewarePrefix)) return true
  return false
}

/** What the app registers on its router, recorded for the direct path. */
export class Registry {
  /** Every route of the router, matched as effect's router matches them (same matcher, same config). */
  readonly finder: FindMyWay.Router<Slot>
  private readonly offered = new Map<string, Prepare>()
  private readonly own = new Set<unknown>()
  private readonly slots: Array<Slot> = []
  private bypassed = false

  constructor(config: Partial<FindMyWay.RouterConfig>) {
    this.finder = FindMyWay.make(config)
  }

  /** `make` offers a route before adding it: it goes direct if nothing wraps it. */
  offer(method: string, path: string, prepare: Prepare): void {
    this.offered.set(`${method} ${path}`, prepare)
  }

  /** `make`'s own global middleware, which the direct path does the work of. */
  ownMiddleware(middleware: unknown): void {
    this.own.add(middleware)
  }

  /** True while nothing the direct path would skip was registered. */
  get usable(): boolean {
    return !this.bypassed
  }

  bypass(): void {
    this.bypassed = true
  }

  globalMiddleware(middleware: unknown): void {
    if (!this.own.has(middleware)) this.bypassed = true
  }

  record(
    method: HttpRouter.Route<unknown, unknown>["method"],
    path: FindMyWay.PathInput,
    wrapped: boolean
  ): void {
    const key = `${method} ${path}`
    const slot: Slot = { prepare: wrapped ? undefined : this.offered.get(key), start: undefined }
    this.offered.delete(key)
    this.slots.push(slot)
    // As effect's router registers it: a `/*` path matches its prefix too.
    const paths: Array<FindMyWay.PathInput> =
      path.endsWith("/*") && path !== "/*" ? [path, `/${path.slice(1, -2)}`] : [path]
    for (const p of paths) {
      if (method === "*") this.finder.all(p, slot)
      else this.finder.on(method, p, slot)
    }
  }

  /** Each direct route's start, given the server's context. */
  ready(outer: Context.Context<never>): void {
    for (const slot of this.slots) slot.start = slot.prepare?.(outer)
  }
}

export class DirectRoutes extends Context.Service<DirectRoutes, Registry>()(
  "@cello/http-adapter/DirectRoutes"
) {}

/** The router the app registers on, recording every registration in the registry. */
const recording = (router: HttpRouter.HttpRouter, registry: Registry): HttpRouter.HttpRouter =>
  HttpRouter.HttpRouter.of({
    ...router,
    prefixed: (prefix) => {
      registry.bypass()
      return router.prefixed(prefix)
    },
    add: (method, path, handler, options) =>
      Effect.flatMap(Effect.context<never>(), (context) => {
        registry.record(method, path, hasRouteMiddleware(context))
        return router.add(method, path, handler, options)
      }),
    addAll: (routes) =>
      Effect.flatMap(Effect.context<never>(), (context) => {
        const wrapped = hasRouteMiddleware(context)
        for (const route of routes) {
          if (route.prefix._tag === "Some") registry.bypass()
          registry.record(route.method, route.path, wrapped)
        }
        return router.addAll(routes)
      }),
    addGlobalMiddleware: (middleware) =>
      Effect.flatMap(
        Effect.sync(() => registry.globalMiddleware(middleware)),
        () => router.addGlobalMiddleware(middleware)
      )
  })

/**
 * Gives the app a recording router and the registry, over effect's router (which stays the one that
 * serves everything the direct path hands over).
 */
export const layer = (
  registry: Registry
): Layer.Layer<HttpRouter.HttpRouter | DirectRoutes, never, HttpRouter.HttpRouter> =>
  Layer.effectContext(
    Effect.map(HttpRouter.HttpRouter, (router) =>
      Context.make(HttpRouter.HttpRouter, recording(router, registry)).pipe(
        Context.add(DirectRoutes, registry)
      )
    )
  )

/** The router's configuration, for the registry's matcher. */
export const routerConfig: Effect.Effect<Partial<FindMyWay.RouterConfig>> = Effect.map(
  Effect.context<never>(),
  (context) => Context.get(context, HttpRouter.RouterConfig)
)

/** Node's request as an `Incoming`: its body read only when a route asks for it. */
class NodeIncoming implements Incoming {
  readonly method: string
  readonly url: string
  constructor(
    private readonly request: IncomingMessage,
    readonly params: Readonly<Record<string, string | undefined>>,
    readonly query: Readonly<Record<string, string | ReadonlyArray<string>>>,
    readonly bodyLimit: number
  ) {
    this.method = request.method ?? "GET"
    this.url = request.url ?? "/"
  }

  header(name: string): string | undefined {
    const value = this.request.headers[name]
    return typeof value === "string" ? value : undefined
  }

  get bytes(): Effect.Effect<Uint8Array, MalformedJson> {
    const request = this.request
    return Effect.callback<Uint8Array, MalformedJson>((resume) => {
      const chunks: Array<Buffer> = []
      const onData = (chunk: Buffer) => {
        chunks.push(chunk)
      }
      const cleanup = () => {
        request.off("data", onData)
        request.off("end", onEnd)
        request.off("error", onError)
        request.off("close", onClose)
      }
      const onEnd = () => {
        cleanup()
        resume(
          Effect.succeed(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks))
        )
      }
      const onError = () => {
        cleanup()
        resume(Effect.fail(new MalformedJson({ detail: "the body could not be read" })))
      }
      // A client that goes away mid-body: Node closes the request without `end`.
      const onClose = () => {
        if (!request.complete) onError()
      }
      if (request.readableEnded) return resume(Effect.succeed(new Uint8Array(0)))
      request.on("data", onData)
      request.once("end", onEnd)
      request.once("error", onError)
      request.once("close", onClose)
      return Effect.sync(cleanup)
    })
  }
}

const methods = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"])

/** True when the body may be read here: not chunked, and not over the limit (effect's server answers those). */
const directBody = (request: IncomingMessage, limit: number): boolean => {
  if (request.headers["transfer-encoding"] !== undefined) return false
  const length = request.headers["content-length"]
  return length === undefined || Number(length) <= limit
}

/**
 * The answer, as effect's server writes an adapter route's: its headers, the request id (`observe`'s),
 * cookies (none of the adapter's routes set any), `nosniff` (the envelope's) and its JSON or empty body.
 */
const writeResponse = (nodeResponse: ServerResponse, response: Response, requestId: string): void => {
  const headers: Record<string, string | Array<string>> = {
    ...response.headers,
    "x-request-id": requestId,
    "x-content-type-options": "nosniff"
  }
  if (!Cookies.isEmpty(response.cookies)) headers["set-cookie"] = Cookies.toSetCookieHeaders(response.cookies)
  const body = response.body
  if (response.status === 204 || response.status === 205 || body._tag === "Empty") {
    delete headers["content-length"]
    nodeResponse.writeHead(response.status, headers)
    nodeResponse.end()
  } else if (body._tag === "Uint8Array") {
    nodeResponse.writeHead(response.status, headers)
    nodeResponse.end(body.text ?? body.body)
  } else {
    // The adapter's routes answer JSON or nothing; anything else is a bug, answered as one.
    writeResponse(nodeResponse, Problem.toResponse(Problem.internal), requestId)
  }
}

/**
 * Writes the answer unless the client is gone. It runs where the request's fiber ends, outside any
 * Effect: Node refuses some writes by throwing (headers it rejects), and then the connection is
 * closed instead, as effect's server does, never letting the exception reach the process.
 */
const write = (nodeResponse: ServerResponse, response: Response, requestId: string): void => {
  if (nodeResponse.writableEnded || nodeResponse.destroyed) return
  try {
    writeResponse(nodeResponse, response, requestId)
  } catch {
    nodeResponse.destroy()
  }
}

/** A request the server stopped (closing) before it was answered. */
const unavailable = Problem.toResponse({
  status: 503,
  slug: "unavailable",
  title: "Service unavailable",
  detail: "The server is shutting down."
})

export type Listener = (request: IncomingMessage, response: ServerResponse) => void

/** The route of a request; a URL the matcher chokes on is left to effect's server, which answers it. */
const find = (registry: Registry, method: string, url: string) => {
  try {
    return registry.finder.find(method, url)
  } catch {
    return undefined
  }
}

/**
 * A layer closing `requests` (interrupting the direct path's requests still running) when it is
 * released: provided over the app, it is released after the server stopped and drained and before
 * the app's own layers, as effect's server interrupts its requests.
 */
export const interruptOnClose = (requests: Scope.Closeable): Layer.Layer<never> =>
  Layer.effectDiscard(Effect.addFinalizer((exit) => Scope.close(requests, exit)))

const isListener = (listener: unknown): listener is Listener => typeof listener === "function"

/**
 * Puts the direct path in front of the `request` listener effect's server registered on `server`:
 * it hands that listener what it does not answer itself.
 */
export const takeOver = (server: Server, direct: (fallback: Listener) => Listener): void => {
  for (const fallback of server.listeners("request"))
    if (isListener(fallback)) {
      server.removeListener("request", fallback)
      server.on("request", direct(fallback))
    }
}

/**
 * The listener: the adapter's routes directly, everything else through `fallback` (effect's
 * listener for the same app). Requests run in `scope`: closing it interrupts those still running.
 */
export const listener = (
  registry: Registry,
  outer: Context.Context<never>,
  bodyLimit: number,
  scope: Scope.Scope,
  fallback: Listener
): Listener => {
  if (!registry.usable) return fallback
  registry.ready(outer)
  return (request, response) => {
    const method = request.method ?? ""
    const url = request.url ?? "/"
    if (
      !methods.has(method) ||
      request.httpVersionMajor !== 1 ||
      url.includes("%") ||
      request.headers.origin !== undefined ||
      request.headers.expect !== undefined ||
      !directBody(request, bodyLimit)
    )
      return fallback(request, response)
    const found = find(registry, method, url)
    const start = found?.handler.start
    if (found === undefined || start === undefined) return fallback(request, response)
    const fiber = Fiber.runIn(
      start(new NodeIncoming(request, found.params, found.searchParams, bodyLimit), (exit, requestId) =>
        write(response, exit._tag === "Success" ? exit.value : unavailable, requestId)
      ),
      scope
    )
    if (fiber.pollUnsafe() === undefined)
      response.on("close", () => {
        if (!response.writableEnded) fiber.interruptUnsafe()
      })
  }
}
