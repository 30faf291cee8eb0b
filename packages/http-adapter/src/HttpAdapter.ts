/**
 * The adapter: `make({ routes, healthChecks })` is a Layer of routes for effect's `HttpRouter`,
 * with `/openapi.json`, `/docs`, `/health` (+ `/live`, `/ready`), `/metrics` and a problem 404 for
 * everything else, and in development mode the event browser (`/events`) and saga dashboard (`/sagas`);
 * `serve(app)` runs it on Node (host, port and body limit from `Config`), `nodeListener(app)` gives it
 * as a Node request listener to mount in a server the app already has, and
 * `toWebHandler(app)` gives a Fetch `Request → Response` handler for tests and serverless.
 */

import { createServer } from "node:http"
import type { CommandBus, QueryBus } from "@cello/cqrs"
import { EventStore } from "@cello/eventsourcing"
import { SagaOrchestrator, SagaStore } from "@cello/saga"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { type Config, Context, Effect, Layer, Option, Scope } from "effect"
import {
  HttpRouter,
  HttpServer,
  type HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import * as BuiltApp from "./BuiltApp.js"
import * as Cors from "./Cors.js"
import * as Direct from "./Direct.js"
import * as Docs from "./Docs.js"
import * as DevPages from "./devpages/DevPages.js"
import * as Envelope from "./Envelope.js"
import { toProblem } from "./ErrorMapping.js"
import * as Health from "./Health.js"
import * as Home from "./Home.js"
import * as HttpAdapterConfig from "./HttpAdapterConfig.js"
import { RouteNotFound } from "./HttpErrors.js"
import * as IfMatch from "./IfMatch.js"
import { type Incoming, toHandler } from "./Incoming.js"
import * as NodeHandler from "./NodeHandler.js"
import { observed } from "./Observe.js"
import * as OpenApi from "./OpenApi.js"
import * as Problem from "./Problem.js"
import type { RequestServices, Route } from "./Route.js"
import { servicesUnder } from "./servicesUnder.js"

export type { FailureAnswer } from "./ErrorMapping.js"
export type { HealthCheck } from "./Health.js"
export { healthCheck } from "./Health.js"
export type { Incoming, Served } from "./Incoming.js"
export type { Listener } from "./NodeHandler.js"
export { NodeListener } from "./NodeHandler.js"
export type {
  CommandOptions,
  FailureAnswers,
  ParamMembers,
  PathParams,
  QueryOptions,
  ResultAnswer,
  ResultStatus,
  Route
} from "./Route.js"
export { command, query } from "./Route.js"
export type { SagaOptions, SagaStatusOptions } from "./SagaRoute.js"
export { SagaResultBody, saga, sagaStatus } from "./SagaRoute.js"

export interface Options<R> {
  readonly routes: ReadonlyArray<Route<NoInfer<R>>>
  /** Readiness checks besides the event store's, which is added when an `EventStore` is provided. */
  readonly healthChecks?: ReadonlyArray<Health.HealthCheck<NoInfer<R>>>
  /** For the OpenAPI document and the docs page. */
  readonly title?: string
  readonly version?: string
  /**
   * The event browser (`/events`) and saga dashboard (`/sagas`). Off by default, and without this
   * option `CELLO_DEV_PAGES=true` turns them on; always off with `NODE_ENV=production`.
   */
  readonly devPages?: boolean
  /**
   * `GET /`: this discovery document for JSON clients; a browser (`Accept: text/html`) gets a page
   * linking the docs, health, metrics and the development pages when they are on. No `/` without it.
   */
  readonly home?: unknown
}

/** Whether `make` serves the development pages, by the same rule (for an app's start-up banner). */
export const devPagesEnabled = (option?: boolean): Effect.Effect<boolean> => DevPages.enabled(option)

const jsonResponse = (body: unknown, status = 200) => Effect.orDie(HttpServerResponse.json(body, { status }))

/**
 * The routes as a Layer for `HttpRouter`; needs both buses. TypeScript cannot infer a union from a
 * list of routes, so the requirement is not inferred: name it (`make<CommandBus | QueryBus | Db>`)
 * when a health check needs more.
 */
export const make = <R = CommandBus.CommandBus | QueryBus.QueryBus>(
  options: Options<R>
): Layer.Layer<never, never, HttpRouter.HttpRouter | Exclude<R, Scope.Scope>> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const router = yield* HttpRouter.HttpRouter
      const settings = yield* HttpAdapterConfig.HttpAdapterConfig
      // The services the routes need, taken once. The request's own services are merged last, so
      // the layer's Scope never stands in for a request's.
      const services = yield* Effect.context<R>()
      const under = servicesUnder(services)
      const withServices = <A, E, Own>(effect: Effect.Effect<A, E, R | Own>): Effect.Effect<A, E, Own> =>
        Effect.updateContext(effect, (own: Context.Context<Own>) => under(own))
      const store = yield* Effect.serviceOption(EventStore.EventStore)
      const checks: ReadonlyArray<Health.HealthCheck> = [
        ...(Option.isSome(store)
          ? [
              Health.healthCheck(
                "event-store",
                Effect.provideService(Health.eventStore.check, EventStore.EventStore, store.value)
              )
            ]
          : []),
        ...(options.healthChecks ?? []).map((check) =>
          Health.healthCheck(check.name, withServices<unknown, unknown, never>(check.check))
        )
      ]
      const info = { title: options.title ?? "Cello API", version: options.version ?? "0.0.0" }
      const openApi = yield* Effect.sync(() =>
        OpenApi.document(options.routes, info, { home: options.home !== undefined })
      )
      const docs = Docs.page(options.routes, info, "/openapi.json")

      // Routes are answered through `observe` and the If-Match guard, by effect's router and, for the
      // app's routes when `serve` or `nodeListener` runs them, by the direct Node path too.
      const direct = yield* Effect.serviceOption(Direct.DirectRoutes)
      const directly = Direct.routesOver(services)
      const addRoute = (route: Route<R>) => {
        const { served, run } = observed(route.path, IfMatch.guard(route.serve))
        if (Option.isSome(direct))
          direct.value.offer(route.method, route.path, directly(run, { scoped: route.kind === "saga" }))
        return router.add(route.method, route.path, withServices(toHandler(served, settings.bodyLimit)))
      }
      const add = (
        method: Route<R>["method"] | "*",
        path: `/${string}` | "*",
        handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | RequestServices>
      ) => {
        const { served } = observed(
          path,
          IfMatch.guard((_: Incoming) => handler)
        )
        return router.add(method, path, withServices(toHandler(served, settings.bodyLimit)))
      }

      // Global: they guard every route on this router, an app's own included. The envelope first, so
      // it is the outermost: the CORS refusal gets a request id too. The direct path does their work
      // for the requests it answers.
      const cors = Cors.middleware(settings.corsOrigins)
      if (Option.isSome(direct)) {
        direct.value.ownMiddleware(Envelope.middleware)
        direct.value.ownMiddleware(cors)
      }
      yield* router.addGlobalMiddleware(Envelope.middleware)
      yield* router.addGlobalMiddleware(cors)
      for (const route of options.routes) yield* addRoute(route)
      yield* add("GET", "/openapi.json", jsonResponse(openApi))
      const swaggerUi = yield* Docs.loadAssets
      yield* add(
        "GET",
        "/docs",
        Effect.succeed(
          Option.isSome(swaggerUi)
            ? HttpServerResponse.text(docs, {
                contentType: "text/html; charset=utf-8",
                headers: { "content-security-policy": Docs.contentSecurityPolicy }
              })
            : Home.html(docs)
        )
      )
      if (Option.isSome(swaggerUi)) {
        const { css, bundle } = swaggerUi.value
        yield* add("GET", Docs.assetPaths.css, Effect.succeed(Docs.asset(css, "text/css; charset=utf-8")))
        yield* add(
          "GET",
          Docs.assetPaths.bundle,
          Effect.succeed(Docs.asset(bundle, "text/javascript; charset=utf-8"))
        )
        yield* add(
          "GET",
          Docs.assetPaths.init,
          Effect.succeed(Docs.asset(Docs.initScript("/openapi.json"), "text/javascript; charset=utf-8"))
        )
      }
      yield* add("GET", "/health/live", jsonResponse({ status: "ok" }))
      const ready = Effect.flatMap(Health.run(checks, settings.healthTimeout), (report) =>
        jsonResponse(report, report.status === "ok" ? 200 : 503)
      )
      yield* add("GET", "/health/ready", ready)
      yield* add("GET", "/health", ready)
      yield* add(
        "GET",
        "/metrics",
        Effect.map(PrometheusMetrics.format(), (text) =>
          HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4; charset=utf-8" })
        )
      )
      const devPages = yield* DevPages.enabled(options.devPages)
      if (options.home !== undefined) {
        const homePage = Home.page(info, devPages)
        const discovery = options.home
        yield* add(
          "GET",
          "/",
          Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
            Home.wantsHtml(request.headers.accept)
              ? Effect.succeed(Home.html(homePage))
              : jsonResponse(discovery)
          )
        )
      }
      if (devPages) {
        const stores = {
          events: store,
          sagas: yield* Effect.serviceOption(SagaStore.SagaStore),
          orchestrator: yield* Effect.serviceOption(SagaOrchestrator.SagaOrchestrator)
        }
        // The app's own routes win: `sagaStatus({ path: "/sagas/:id" })` replaces the dashboard's page
        // there (the router refuses two GETs on one template, whatever their parameters are named).
        const template = (path: string) => path.replace(/:[A-Za-z0-9_]+/g, ":")
        const taken = new Set(options.routes.filter((r) => r.method === "GET").map((r) => template(r.path)))
        for (const page of DevPages.routes(stores))
          if (page.method === "POST") yield* add("POST", page.path, page.handler)
          else if (!taken.has(template(page.path))) yield* add("GET", page.path, page.handler)
      }
      // The problem 404 for every method but HEAD: the router answers a HEAD with the GET route of
      // its path when it has no HEAD route, so HEAD works on every GET route (Node drops the body).
      const notFound = Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
        Problem.toResponse(
          toProblem(new RouteNotFound({ method: request.method, path: request.url }), {
            isDeclaredFailure: () => false,
            conditional: false
          })
        )
      )
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"] as const)
        yield* add(method, "*", notFound)
    })
  )

/**
 * Serves the app (its buses provided) on Node. Host, port and body limit come from `HOST`, `PORT` and
 * `CELLO_HTTP_BODY_LIMIT` unless given here; closing the layer stops accepting connections and
 * lets in-flight requests finish.
 */
export const serve = <A, E>(
  app: Layer.Layer<A, E, HttpRouter.HttpRouter>,
  options: HttpAdapterConfig.Input & {
    /** The "Listening on …" log line at start-up (default true): off for an app that prints its own. */
    readonly listenLog?: boolean
  } = {}
): Layer.Layer<A | HttpServer.HttpServer, E | HttpServerError.ServeError | Config.ConfigError> =>
  Layer.effectContext(
    Effect.gen(function* () {
      // The app first, then the server: a server listening while the app was still being built took
      // connections that nothing would ever answer (effect's server registers its handler last).
      const built = yield* BuiltApp.build(app, options)
      const settings = built.settings
      // Released after the server below (which stops accepting and lets open requests finish) and
      // before the app: the direct path's requests still running are interrupted then, as effect's are.
      const requests = Scope.makeUnsafe("parallel")
      yield* Effect.addFinalizer((exit) => Scope.close(requests, exit))
      const server = createServer()
      const served = HttpServer.serve(built.router.asHttpEffect()).pipe(
        options.listenLog === false ? (layer) => layer : HttpServer.withLogAddress,
        // The HttpServer stays visible so callers can read the bound address (e.g. with port 0).
        Layer.provideMerge(NodeHttpServer.layer(() => server, { host: settings.host, port: settings.port }))
      )
      const listening = yield* Layer.build(served)
      Direct.takeOver(server, (fallback) => built.listener(requests, fallback))
      yield* built.endTailsOnClose
      return Context.merge(built.context, listening)
    })
  )

/**
 * The app as a Node request listener for a server the app already has (`node:http`, Express,
 * fastify): a Layer giving `NodeListener` beside what the app provides. See `NodeHandler`.
 */
export const nodeListener = NodeHandler.layer

/** A Fetch handler for the app (tests, serverless); `dispose` releases its layers. */
export const toWebHandler = <A, E>(app: Layer.Layer<A, E, HttpRouter.HttpRouter>) =>
  HttpRouter.toWebHandler(app.pipe(Layer.provide(HttpServer.layerServices)), { disableLogger: true })
