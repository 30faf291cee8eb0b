/**
 * The app as a Node request listener, `(request, response) => void`, for a server an app already
 * has: `node:http`'s `createServer`, Express (`app.use(listener)`), fastify (the plugin of
 * `./Fastify.ts`). The same routes, problems, health, metrics, OpenAPI document and pages as
 * `serve` (the app's routes, whatever it adds), on that server; the server is the app's to start
 * and stop.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { type Config, Context, Effect, Layer } from "effect"
import type { HttpRouter } from "effect/http"
import * as BuiltApp from "./BuiltApp.js"
import type { Listener } from "./Direct.js"
import type * as HttpAdapterConfig from "./HttpAdapterConfig.js"

export type { Listener }

/** The listener, once the app is built. */
export class NodeListener extends Context.Service<NodeListener, Listener>()(
  "@cello/http-adapter/NodeListener"
) {}

/**
 * Builds the app (its buses provided) and gives its listener, beside what the app provides (as
 * `serve` does). Closing the layer ends the development pages' live tails, interrupts requests still
 * running and releases the app's layers: close it after the server stopped accepting connections.
 * Body limit, health timeout and CORS origins come from the environment unless given here (host and
 * port are the server's).
 */
export const layer = <A, E>(
  app: Layer.Layer<A, E, HttpRouter.HttpRouter>,
  options: HttpAdapterConfig.Input = {}
): Layer.Layer<A | NodeListener, E | Config.ConfigError> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const scope = yield* Effect.scope
      const built = yield* BuiltApp.build(app, options)
      const fallback = yield* NodeHttpServer.makeHandler(built.router.asHttpEffect(), { scope }).pipe(
        Effect.provide(NodeHttpServer.layerHttpServices)
      )
      // Requests run in the layer's scope, as effect's listener runs its own.
      const listener = built.listener(scope, fallback)
      yield* built.endTailsOnClose
      return Context.add(built.context, NodeListener, listener)
    })
  )
