/**
 * The fastify plugin beside the server's own routes (every route test also runs on it: `servers` in
 * support.ts): fastify's routes win and keep their body parsing, everything else is the adapter's,
 * and a prefix is refused at registration.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import Fastify from "fastify"
import { App } from "../examples/orders.js"
import * as CelloFastify from "../src/Fastify.js"
import { HttpAdapter } from "../src/index.js"
import { at, call, fastifyOn, json } from "./support.js"

/** The paths fastify's hooks saw: `onSend` only its own routes' (the adapter writes the rest), `onResponse` all. */
const sent: Array<string> = []
const responded: Array<string> = []

const withOwnRoutes = fastifyOn(App, (server) => {
  server.addHook("onSend", async (request) => {
    sent.push(request.url)
  })
  server.addHook("onResponse", async (request) => {
    responded.push(request.url)
  })
  server.get("/own", async () => ({ served: "by fastify" }))
  // Parsed by fastify's JSON parser: the plugin removes the parsers in its own scope only.
  server.post("/own/echo", async (request) => ({ echoed: request.body }))
  // A static path under one of the adapter's templates (`/orders/:id`).
  server.get("/orders/special", async () => ({ served: "by fastify" }))
})

describe("the fastify plugin", () => {
  it.effect("fastify's own routes win, with their body parsed by fastify", () =>
    withOwnRoutes((base) =>
      Effect.gen(function* () {
        const own = yield* call(`${base}/own`)
        expect(own.status).toBe(200)
        expect(own.body).toEqual({ served: "by fastify" })
        const echo = yield* call(`${base}/own/echo`, json({ a: 1 }))
        expect(echo.status).toBe(200)
        expect(echo.body).toEqual({ echoed: { a: 1 } })
        const special = yield* call(`${base}/orders/special`)
        expect(special.body).toEqual({ served: "by fastify" })
      })
    )
  )

  it.effect(
    "every other path is the adapter's: fastify's onResponse hooks see it, its onSend hooks do not",
    () =>
      withOwnRoutes((base) =>
        Effect.gen(function* () {
          sent.length = 0
          responded.length = 0
          const created = yield* call(`${base}/orders`, json({ items: ["Widget"] }))
          expect(created.status).toBe(201)
          expect(created.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/)
          const read = yield* call(`${base}${created.headers.get("location") ?? ""}`)
          expect(read.status).toBe(200)
          expect(at(read.body, "status")).toBe("placed")
          const root = yield* call(`${base}/`)
          expect(root.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/)
          const missing = yield* call(`${base}/no/such/route`)
          expect(missing.status).toBe(404)
          expect(missing.headers.get("content-type")).toBe("application/problem+json")
          const health = yield* call(`${base}/health`)
          expect(health.status).toBe(200)
          const own = yield* call(`${base}/own`)
          expect(own.status).toBe(200)
          expect(sent).toEqual(["/own"])
          const location = created.headers.get("location") ?? ""
          expect(responded).toEqual(["/orders", location, "/", "/no/such/route", "/health", "/own"])
        })
      )
  )

  it.effect("registered under a prefix, the server refuses to start, naming the prefix", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const context = yield* Layer.build(Layer.fresh(HttpAdapter.nodeListener(App)))
        const listener = Context.get(context, HttpAdapter.NodeListener)
        const refused = yield* Effect.promise(async () => {
          const server = Fastify({ logger: false })
          // Awaiting `register` would load the plugin there: `ready` is where a server reports it.
          void server.register(CelloFastify.plugin(listener), { prefix: "/api" })
          return server.ready().then(
            () => undefined,
            (error: unknown) => error
          )
        })
        expect(refused).toBeInstanceOf(CelloFastify.FastifyPrefixError)
        expect(String(refused)).toContain('"/api"')
      })
    )
  )
})
