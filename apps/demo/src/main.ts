/**
 * The Cello demo. Until the HTTP adapter lands (see the root README), it serves a description of
 * itself at `/` and a health check; the bank and order examples are added by the demo issue.
 */
import { createServer } from "node:http"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { about } from "./about.js"

const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/", HttpServerResponse.jsonUnsafe(about)),
  HttpRouter.add("GET", "/health", HttpServerResponse.jsonUnsafe({ status: "healthy" }))
)

const Server = Layer.unwrap(
  Effect.gen(function* () {
    const host = yield* Config.String("HOST").pipe(Config.withDefault("127.0.0.1"))
    const port = yield* Config.Port("PORT").pipe(Config.withDefault(8000))
    yield* Effect.log(`Cello demo on http://${host}:${port} — ${about.status}: ${about.note}`)
    return HttpRouter.serve(Routes, { disableLogger: true }).pipe(
      Layer.provide(NodeHttpServer.layer(createServer, { host, port }))
    )
  })
)

NodeRuntime.runMain(Layer.launch(Server))
