/**
 * The app as a Node request listener, `(request, response) => void`, for a server an app already
 * has: `node:http`'s `createServer`, Express (`app.use(listener)`), fastify (`reply.hijack()` and the
 * raw request and response). The same routes, problems, health, metrics, OpenAPI document and
 * pages as `serve` (the app's routes, whatever it adds), on that server; the server is the app's to
 * start and stop.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { type Config, Context, Deferred, Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import * as Direct from "./Direct.js"
import { ShuttingDown } from "./devpages/tail.js"
import * as HttpAdapterConfig from "./HttpAdapterConfig.js"

export type Listener = (request: IncomingMessage, response: ServerResponse) => void

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
      const settings = yield* HttpAdapterConfig.fromConfig(options)
      const outer = yield* Effect.context<never>()
      const registry = new Direct.Registry(yield* Direct.routerConfig)
      const closing = yield* Deferred.make<void>()
      const context = yield* Layer.build(
        app.pipe(
          Layer.provide(Direct.layer(registry)),
          Layer.provideMerge(HttpRouter.layer),
          Layer.provide(Layer.succeed(HttpAdapterConfig.HttpAdapterConfig, settings)),
          Layer.provide(Layer.succeed(ShuttingDown, Deferred.await(closing)))
        )
      )
      const router = Context.get(context, HttpRouter.HttpRouter)
      const fallback = yield* NodeHttpServer.makeHandler(router.asHttpEffect(), { scope }).pipe(
        Effect.provide(NodeHttpServer.layerHttpServices)
      )
      // Requests run in the layer's scope, as effect's listener runs its own.
      const listener = Direct.listener(registry, outer, settings.bodyLimit, scope, fallback)
      // Added last, so it runs first on close: live tails end before the requests are interrupted.
      yield* Effect.addFinalizer(() => Deferred.succeed(closing, undefined))
      return Context.add(context, NodeListener, listener)
    })
  )
