/**
 * The Cello demo: both seed examples from one process on `HOST`:`PORT` (default 127.0.0.1:8000),
 * in memory, or on PostgreSQL with `CELLO_DATABASE_URL`, or on PGlite with `CELLO_DEMO_EMBEDDED`.
 * `CELLO_REDIS_URL` puts the read models in Redis.
 * `CELLO_LOG_LEVEL` (default Info) silences the request log, e.g. for benchmarks.
 */
import { HttpAdapter } from "@cello/http-adapter"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Console, Effect, Layer, References } from "effect"
import { HttpServer } from "effect/http"
import { App } from "./app.js"
import { StoreKind } from "./storeKind.js"

const Announce = Layer.effectDiscard(
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const store = yield* StoreKind
    // Printed whatever the log level: scripts and tests wait for this line.
    yield* Console.log(`Cello demo on ${HttpServer.formatAddress(server.address)} (store: ${store})`)
  })
)

const LogLevel = Layer.unwrap(
  Effect.map(Config.LogLevel("CELLO_LOG_LEVEL").pipe(Config.withDefault("Info")), (level) =>
    Layer.succeed(References.MinimumLogLevel, level)
  )
)

NodeRuntime.runMain(
  Layer.launch(Announce.pipe(Layer.provideMerge(HttpAdapter.serve(App)), Layer.provide(LogLevel)))
)
