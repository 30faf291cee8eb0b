import { createServer, get as httpGet } from "node:http"
import { connect } from "node:net"
import { Query, QueryBus } from "@cello/cqrs"
import { freePort } from "@cello/tooling/net"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Schema, Scope } from "effect"
import { HttpServer } from "effect/http"
import { HttpAdapter } from "../src/index.js"

const host = "127.0.0.1"
const Slow = Query.make("Slow", { payload: {}, success: Schema.String })

/** Resolves with the socket error's code, or "connected" when something still accepts connections. */
const tryConnect = (host: string, port: number) =>
  Effect.callback<string>((resume) => {
    const socket = connect({ host, port })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed("connected"))
    })
    socket.once("error", (error: NodeJS.ErrnoException) => resume(Effect.succeed(error.code ?? "error")))
  })

/**
 * A GET on a connection of its own that is not kept alive: once answered, nothing idle is left for
 * the closing server to wait on, so only the in-flight request can hold up its close.
 */
const get = (url: string) =>
  Effect.callback<{ readonly status: number; readonly body: string }, Error>((resume) => {
    const request = httpGet(url, { agent: false, headers: { connection: "close" } }, (answer) => {
      let body = ""
      answer.setEncoding("utf8")
      answer.on("data", (chunk: string) => {
        body += chunk
      })
      answer.on("end", () => resume(Effect.succeed({ status: answer.statusCode ?? 0, body })))
      answer.on("error", (error) => resume(Effect.fail(error)))
    })
    request.on("error", (error) => resume(Effect.fail(error)))
  })

describe("start-up", () => {
  it.live("a connection while the app is still being built is refused, never left unanswered", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(() => freePort())
      // The app's build waits for this gate: start-up work (migrations, a seed) in progress.
      const gate = yield* Deferred.make<void>()
      const app = HttpAdapter.make<QueryBus.QueryBus>({ routes: [] }).pipe(
        Layer.provide(QueryBus.layer()),
        Layer.merge(Layer.effectDiscard(Deferred.await(gate)))
      )
      const scope = yield* Scope.make()
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const starting = yield* Effect.forkChild(
        Layer.buildWithScope(HttpAdapter.serve(app, { host, port, listenLog: false }), scope)
      )
      yield* Effect.sleep("200 millis")
      assert.strictEqual(yield* tryConnect(host, port), "ECONNREFUSED")
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(starting)
      assert.strictEqual((yield* get(`http://${host}:${port}/health/live`)).status, 200)
    }).pipe(Effect.scoped)
  )
})

describe("graceful shutdown", () => {
  it.live("closing the server lets an in-flight request finish, then refuses connections", () =>
    Effect.gen(function* () {
      // The handler says when it has started, so the server is closed while it is surely in flight.
      const started = yield* Deferred.make<void>()
      const handler = QueryBus.handler(Slow, () =>
        Deferred.succeed(started, undefined).pipe(
          Effect.andThen(Effect.sleep("300 millis")),
          Effect.as("done")
        )
      )
      const app = HttpAdapter.make<QueryBus.QueryBus>({
        routes: [HttpAdapter.query(Slow, { path: "/slow" })]
      }).pipe(Layer.provide(handler.pipe(Layer.provideMerge(QueryBus.layer()))))
      // A scope of its own, closed by the test mid-request; also closed (again, harmlessly) if an assertion fails.
      const scope = yield* Scope.make()
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const context = yield* Layer.buildWithScope(HttpAdapter.serve(app, { host, port: 0 }), scope)
      const address = Context.get(context, HttpServer.HttpServer).address
      if (address._tag === "UnixPathAddress") return assert.fail("expected a TCP address")
      const base = HttpServer.formatAddress(address)

      const response = yield* Effect.forkChild(get(`${base}/slow`))
      yield* Deferred.await(started)
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))

      assert.deepStrictEqual(yield* Fiber.join(response), { status: 200, body: '"done"' })
      yield* Fiber.join(closing)
      assert.strictEqual(yield* tryConnect(host, address.port), "ECONNREFUSED")
    }).pipe(Effect.scoped)
  )

  it.live(
    "mounted with nodeListener: closing the app's server, then the layer, lets an in-flight request finish",
    () =>
      Effect.gen(function* () {
        const started = yield* Deferred.make<void>()
        const handler = QueryBus.handler(Slow, () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.andThen(Effect.sleep("300 millis")),
            Effect.as("done")
          )
        )
        const app = HttpAdapter.make<QueryBus.QueryBus>({
          routes: [HttpAdapter.query(Slow, { path: "/slow" })]
        }).pipe(Layer.provide(handler.pipe(Layer.provideMerge(QueryBus.layer()))))
        const scope = yield* Scope.make()
        yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
        const context = yield* Layer.buildWithScope(HttpAdapter.nodeListener(app), scope)
        const server = createServer(Context.get(context, HttpAdapter.NodeListener))
        yield* Effect.callback<void>((resume) => {
          server.listen(0, host, () => resume(Effect.void))
        })
        const address = server.address()
        if (typeof address !== "object" || address === null) return assert.fail("expected a TCP address")

        const response = yield* Effect.forkChild(get(`http://${host}:${address.port}/slow`))
        yield* Deferred.await(started)
        // The app's order: its server stops accepting and waits for open responses, then the layer closes.
        const closing = yield* Effect.forkChild(
          Effect.callback<void>((resume) => {
            server.close(() => resume(Effect.void))
          }).pipe(Effect.andThen(Scope.close(scope, Exit.void)))
        )

        assert.deepStrictEqual(yield* Fiber.join(response), { status: 200, body: '"done"' })
        yield* Fiber.join(closing)
        assert.strictEqual(yield* tryConnect(host, address.port), "ECONNREFUSED")
      }).pipe(Effect.scoped)
  )
})
