/**
 * An app built for a Node server, as `serve` and `nodeListener` both build it: its routes on
 * effect's router (every registration recorded for the direct path) with the settings from `Config`.
 */
import { Context, Deferred, Effect, Layer, type Scope } from "effect"
import { HttpRouter } from "effect/http"
import * as Direct from "./Direct.js"
import { ShuttingDown } from "./devpages/tail.js"
import * as HttpAdapterConfig from "./HttpAdapterConfig.js"

export const build = <A, E>(
  app: Layer.Layer<A, E, HttpRouter.HttpRouter>,
  options: HttpAdapterConfig.Input
) =>
  Effect.gen(function* () {
    const settings = yield* HttpAdapterConfig.fromConfig(options)
    const closing = yield* Deferred.make<void>()
    const outer = yield* Effect.context<never>()
    const registry = new Direct.Registry(yield* Direct.routerConfig)
    const context = yield* Layer.build(
      app.pipe(
        Layer.provide(Direct.layer(registry)),
        Layer.provideMerge(HttpRouter.layer),
        Layer.provide(Layer.succeed(HttpAdapterConfig.HttpAdapterConfig, settings)),
        Layer.provide(Layer.succeed(ShuttingDown, Deferred.await(closing)))
      )
    )
    return {
      settings,
      context,
      router: Context.get(context, HttpRouter.HttpRouter),
      /** The direct path in front of `fallback` (effect's listener), its requests run in `scope`. */
      listener: (scope: Scope.Scope, fallback: Direct.Listener) =>
        Direct.listener(registry, outer, settings.bodyLimit, scope, fallback),
      /**
       * Ends the development pages' live tails when the caller's scope closes. Add it last, so it runs
       * first: the tails end before the server waits for open responses or requests are interrupted.
       */
      endTailsOnClose: Effect.addFinalizer(() => Deferred.succeed(closing, undefined))
    }
  })
