/**
 * What the app registers on its router, recorded for the direct path: every route (matched as
 * effect's router matches them), the adapter's routes that may go direct, and anything that must
 * keep the whole path off (an app's own global middleware, a route middleware, a prefixed router).
 */
import { Context, Effect, Layer } from "effect"
import { FindMyWay, HttpRouter } from "effect/http"
import type { Prepare, Start } from "./routesOver.js"

interface Slot {
  readonly prepare: Prepare | undefined
  start: Start | undefined
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
