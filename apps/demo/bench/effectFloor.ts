/**
 * The floor under the demo's server: a constant `GET /` on effect's `HttpRouter`, served by
 * `HttpAdapter.serve` (effect's Node server underneath, as the demo), with no adapter routes.
 */
import { HttpAdapter } from "@cello/http-adapter"
import { NodeRuntime } from "@effect/platform-node-shared"
import { Console, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"

const Constant = HttpRouter.add("GET", "/", Effect.succeed(HttpServerResponse.text("ok")))

NodeRuntime.runMain(
  Layer.launch(
    Layer.effectDiscard(Console.log("effect floor on")).pipe(
      Layer.provideMerge(HttpAdapter.serve(Constant, { listenLog: false }))
    )
  )
)
