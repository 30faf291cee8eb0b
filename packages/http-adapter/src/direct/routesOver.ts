/**
 * How the routes of one `make` run on the direct path: a fiber per request, started in a context
 * made of the routes' services, the server's context and the request's ids.
 */
import { Context, Effect, type Exit, type Fiber, References, Scope, Tracer } from "effect"
import type { HttpServerResponse } from "effect/http"
import type { Incoming } from "../Incoming.js"
import { idEntries, idsOf, type RequestIds } from "../Observe.js"

export type Response = HttpServerResponse.HttpServerResponse

/** Starts a request's fiber; `done` sees its exit and the request's id (for `x-request-id`). */
export type Start = (
  incoming: Incoming,
  done: (exit: Exit.Exit<Response>, requestId: string) => void
) => Fiber.Fiber<Response>

/** Made once the server's own context is known; `undefined` when the route must not go direct. */
export type Prepare = (outer: Context.Context<never>) => Start | undefined

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
        // Each request has its own Scope, as under effect's server, when the route may need one.
        const scope = options.scoped ? Scope.makeUnsafe() : undefined
        const fiber = Effect.runForkWith(requestContext<R>(base, ids, scope))(run(incoming))
        fiber.addObserver((exit) => {
          done(exit, ids.requestId)
          const closing = scope === undefined ? undefined : Scope.closeUnsafe(scope, exit)
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
 * A request's context: the base's entries, its `idEntries` and its Scope,
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
  for (const [key, value] of idEntries(base.annotations, ids)) map.set(key, value)
  if (scope !== undefined) map.set(Scope.Scope.key, scope)
  return Context.makeUnsafe<R>(map, { maxDepth })
}
