/**
 * The direct Node path. Under effect's server a request to one of the adapter's own routes (commands,
 * queries, sagas) paid for effect's request object, its router, the global middleware's wrappers
 * and a merge of the routes' services into the request's context: about a fifth of what a demo
 * `POST /orders` on PostgreSQL allocated (27 of 130 KB). Here the same route (`Route.serve`,
 * `observe`, the `If-Match` guard) answers from Node's request itself (`direct/NodeIncoming.ts`), in
 * a fiber started with the routes' services and the request's ids in its context
 * (`direct/routesOver.ts`), and its answer is written to Node directly (`direct/write.ts`).
 *
 * Only what it answers exactly as effect's server would goes this way; everything else is handed to
 * effect's listener: other routes (the app's own, health, metrics, documents, pages, the 404), `HEAD`,
 * `OPTIONS`, a request with `Origin` (CORS), with `Expect`, with a chunked body or one over the body
 * limit, a path with `%`, HTTP/2. The whole path stays off when the app adds global middleware of its
 * own, when a route middleware wraps the adapter's routes, when the router is prefixed, and for routes
 * whose services hold a tracer that records spans (effect's server opens the request's span).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { type Context, Fiber, type Scope } from "effect"
import { directBody, NodeIncoming } from "./direct/NodeIncoming.js"
import type { Registry } from "./direct/Registry.js"
import { unavailable, write } from "./direct/write.js"

export { DirectRoutes, layer, Registry, routerConfig } from "./direct/Registry.js"
export { routesOver } from "./direct/routesOver.js"

const methods = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"])

export type Listener = (request: IncomingMessage, response: ServerResponse) => void

/** The route of a request; a URL the matcher chokes on is left to effect's server, which answers it. */
const find = (registry: Registry, method: string, url: string) => {
  try {
    return registry.finder.find(method, url)
  } catch {
    return undefined
  }
}

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
