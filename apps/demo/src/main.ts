/**
 * The Cello demo: both seed examples from one process on `HOST`:`PORT` (default 127.0.0.1:8000),
 * in memory, or on PostgreSQL with `CELLO_DATABASE_URL`, or on PGlite with `CELLO_DEMO_EMBEDDED`.
 * `CELLO_REDIS_URL` puts the read models in Redis.
 * `CELLO_LOG_LEVEL` (default Info); `Debug` adds one line per request.
 * `OTEL_EXPORTER_OTLP_ENDPOINT` exports traces and metrics over OTLP/HTTP (see `Observability`).
 */
import { HttpAdapter, Observability } from "@cello/http-adapter"
import { NodeRuntime } from "@effect/platform-node-shared"
import { Cause, Config, Console, Effect, Exit, Layer, References } from "effect"
import { HttpServer } from "effect/http"
import { App } from "./app.js"
import { StoreKind } from "./storeKind.js"

const Announce = Layer.effectDiscard(
  Effect.gen(function* () {
    const server = yield* HttpServer.HttpServer
    const store = yield* StoreKind
    const base = HttpServer.formatAddress(server.address)
    // Off by default: the line says how to turn them on, so nobody has to look it up.
    const dev = (yield* HttpAdapter.devPagesEnabled())
      ? " · dev pages /events /sagas"
      : " · dev pages off (CELLO_DEV_PAGES=true turns them on outside production)"
    // One line, printed whatever the log level: scripts and tests wait for it.
    yield* Console.log(
      `Cello demo on ${base} (store: ${store}) · API ${base}/ · docs /docs${dev} · health /health · metrics /metrics`
    )
    yield* Effect.addFinalizer(() => Console.log("Cello demo stopped"))
  })
)

const LogLevel = Layer.unwrap(
  Effect.map(Config.LogLevel("CELLO_LOG_LEVEL").pipe(Config.withDefault("Info")), (level) =>
    Layer.succeed(References.MinimumLogLevel, level)
  )
)

NodeRuntime.runMain(
  Layer.launch(
    Announce.pipe(
      Layer.provideMerge(HttpAdapter.serve(App, { listenLog: false })),
      Layer.provide(LogLevel),
      // Below everything, so the last spans are flushed after the server has stopped.
      Layer.provide(Observability.layer("cello-demo"))
    )
  ),
  // Ctrl-C (or SIGTERM) is how the demo is meant to stop: exit 0 after a graceful shutdown, so
  // `pnpm demo` ends without a failure report. A real failure still exits 1.
  { teardown: (exit, onExit) => onExit(Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause) ? 1 : 0) }
)
