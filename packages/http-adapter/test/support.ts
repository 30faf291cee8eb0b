import { createServer, type RequestListener } from "node:http"
import { EventStore } from "@cello/eventsourcing"
import { Context, Effect, Layer } from "effect"
import { type HttpRouter, HttpServer } from "effect/http"
import Fastify, { type FastifyInstance } from "fastify"
import { App } from "../examples/orders.js"
import * as CelloFastify from "../src/Fastify.js"
import { HttpAdapter } from "../src/index.js"

/** The example app served on a random port of 127.0.0.1, for real HTTP over a socket. */
export const Served = HttpAdapter.serve(App, { host: "127.0.0.1", port: 0 })

export const baseUrl = Effect.map(HttpServer.HttpServer, (server) => HttpServer.formatAddress(server.address))

/** How many events the store holds: bad input must leave it unchanged. */
export const eventCount = Effect.map(EventStore.readAll(), (events) => events.length)

export const call = (url: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    const text = await response.text()
    const body: unknown =
      text.length > 0 && /json/.test(response.headers.get("content-type") ?? "")
        ? JSON.parse(text)
        : undefined
    return { status: response.status, headers: response.headers, body, text }
  })

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body)
})

/** `f` with the base URL of `app` served by `HttpAdapter.serve` on a random port of 127.0.0.1. */
export const servedOn =
  <A, E>(app: Layer.Layer<A, E, HttpRouter.HttpRouter>) =>
  <B, E2, R>(f: (base: string) => Effect.Effect<B, E2, R>) =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      return yield* f(base)
    }).pipe(
      Effect.provide(Layer.fresh(HttpAdapter.serve(app, { host: "127.0.0.1", port: 0, listenLog: false })))
    )

/**
 * `f` with the base URL of `app` as a Node listener (`HttpAdapter.nodeListener`) mounted in a plain
 * `node:http` server on a random port: what an app that has its own server gets. `mount` puts the
 * listener in that app's own request listener (an Express app, say).
 */
export const mountedOn =
  <A, E>(
    app: Layer.Layer<A, E, HttpRouter.HttpRouter>,
    mount: (listener: HttpAdapter.Listener) => RequestListener = (listener) => listener
  ) =>
  <B, E2, R>(f: (base: string) => Effect.Effect<B, E2, R>) =>
    Effect.scoped(
      Effect.gen(function* () {
        const context = yield* Layer.build(Layer.fresh(HttpAdapter.nodeListener(app)))
        const server = createServer(mount(Context.get(context, HttpAdapter.NodeListener)))
        yield* Effect.acquireRelease(
          Effect.callback<void>((resume) => {
            server.listen(0, "127.0.0.1", () => resume(Effect.void))
          }),
          () =>
            Effect.callback<void>((resume) => {
              server.close(() => resume(Effect.void))
              server.closeIdleConnections()
            })
        )
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        return yield* f(`http://127.0.0.1:${port}`).pipe(Effect.provide(context))
      })
    )

/**
 * `f` with the base URL of a fastify server on a random port with `app` mounted by the fastify
 * plugin (`@cello/http-adapter/fastify`); `own` adds fastify's own routes and parsers first.
 */
export const fastifyOn =
  <A, E>(app: Layer.Layer<A, E, HttpRouter.HttpRouter>, own: (server: FastifyInstance) => void = () => {}) =>
  <B, E2, R>(f: (base: string) => Effect.Effect<B, E2, R>) =>
    Effect.scoped(
      Effect.gen(function* () {
        const context = yield* Layer.build(Layer.fresh(HttpAdapter.nodeListener(app)))
        const base = yield* Effect.acquireRelease(
          Effect.promise(async () => {
            const server = Fastify({ logger: false })
            own(server)
            await server.register(CelloFastify.plugin(Context.get(context, HttpAdapter.NodeListener)))
            return { server, url: await server.listen({ host: "127.0.0.1", port: 0 }) }
          }),
          ({ server }) => Effect.promise(() => server.close())
        )
        return yield* f(base.url).pipe(Effect.provide(context))
      })
    )

export const withServer = <A, E, R>(f: (base: string) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const base = yield* baseUrl
    return yield* f(base)
  }).pipe(Effect.provide(Layer.fresh(Served)))

/** The example app mounted in a plain `node:http` server (`mountedOn`). */
export const withMounted = mountedOn(App)

/** The example app in fastify through the plugin (`fastifyOn`). */
export const withFastify = fastifyOn(App)

/** Every way the adapter is served, for the suites that must hold on each. */
export const servers = [
  ["serve", withServer],
  ["nodeListener in node:http", withMounted],
  ["nodeListener in fastify (plugin)", withFastify]
] as const

/** Reads a member of a parsed JSON body: `at(body, "checks", "event-store", "status")`. */
export const at = (value: unknown, ...path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>(
    (current, key) =>
      typeof current === "object" && current !== null ? Reflect.get(current, key) : undefined,
    value
  )
