/**
 * The direct Node path (`src/Direct.ts`): which requests it answers, and that everything it must not
 * skip (app middleware, CORS, tracing, effect's body reading) still sees the requests it hands over.
 * The routes tell which server ran them: under effect's server the request is in their context.
 */
import { type IncomingHttpHeaders, request } from "node:http"
import { Command, CommandBus, Query, QueryBus } from "@cello/cqrs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema, Tracer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpAdapter } from "../src/index.js"
import { mountedOn, servedOn } from "./support.js"

const Which = Schema.Struct({ server: Schema.Literals(["direct", "effect"]), id: Schema.String })
const Post = Command.make("WhichPost", { payload: { id: Schema.String }, success: Which })
const Get = Query.make("WhichGet", { payload: { id: Schema.String }, success: Which })

const which = (id: string) =>
  Effect.map(Effect.serviceOption(HttpServerRequest.HttpServerRequest), (request) => ({
    server: Option.isSome(request) ? ("effect" as const) : ("direct" as const),
    id
  }))

const Buses = Layer.mergeAll(
  CommandBus.handler(Post, ({ id }) => which(id)).pipe(Layer.provideMerge(CommandBus.layer())),
  QueryBus.handler(Get, ({ id }) => which(id)).pipe(Layer.provideMerge(QueryBus.layer()))
)

const routes = HttpAdapter.make({
  routes: [
    HttpAdapter.command(Post, { path: "/which", status: 201 }),
    // A body JSON cannot carry: a defect, answered 500 without saying why.
    HttpAdapter.command(Post, { path: "/which/bigint", response: () => ({ n: 1n }) }),
    HttpAdapter.query(Get, { path: "/which/:id", etag: (found) => found.server })
  ]
})

const App = routes.pipe(Layer.provide(Buses))

/** A global middleware of the app's own: it marks every answer. */
const marking = HttpRouter.middleware(
  (app) => Effect.map(app, (response) => HttpServerResponse.setHeader(response, "x-app", "global")),
  { global: true }
)

/** A route middleware around the adapter's routes only. */
const aroundRoutes = HttpRouter.middleware<{ provides: never; handles: never }>()((app) =>
  Effect.map(app, (response) => HttpServerResponse.setHeader(response, "x-app", "route"))
)

/** An app's own route on a prefixed router (`/v1/ping`). */
const prefixedRoute = Layer.effectDiscard(
  Effect.flatMap(HttpRouter.HttpRouter, (router) =>
    router.prefixed("/v1").add("GET", "/ping", HttpServerResponse.text("pong"))
  )
)

const spans: Array<string> = []
const recording = Tracer.make({
  span: (options) => {
    spans.push(options.name)
    return new Tracer.NativeSpan(options)
  }
})

interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: unknown
}

interface Send {
  readonly method: string
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /** Sent in two chunks, without a length. */
  readonly chunked?: boolean
}

const send = (base: string, options: Send) =>
  Effect.callback<Answer>((resume) => {
    const outgoing = request(
      `${base}${options.path}`,
      { method: options.method, headers: options.headers },
      (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => {
          text += chunk
        })
        response.on("end", () =>
          resume(
            Effect.succeed({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: text.length > 0 ? JSON.parse(text) : undefined
            })
          )
        )
      }
    )
    outgoing.on("error", (error) => resume(Effect.die(error)))
    const body = options.body ?? ""
    if (options.chunked === true) {
      outgoing.write(body.slice(0, 3))
      outgoing.end(body.slice(3))
    } else if (options.headers?.expect !== undefined) outgoing.on("continue", () => outgoing.end(body))
    else outgoing.end(body)
  })

const post = (extra: Partial<Send> = {}): Send => ({
  method: "POST",
  path: "/which",
  headers: { "content-type": "application/json", ...extra.headers },
  body: JSON.stringify({ id: "a" }),
  ...(extra.chunked === undefined ? {} : { chunked: extra.chunked })
})

const ways = [
  ["serve", servedOn],
  ["nodeListener", mountedOn]
] as const

/** Requests to the adapter's routes, and which server must answer them. */
const requests: ReadonlyArray<readonly [string, Send, "direct" | "effect"]> = [
  ["a JSON POST", post(), "direct"],
  ["a GET with a path parameter", { method: "GET", path: "/which/a" }, "direct"],
  ["a GET with a query string", { method: "GET", path: "/which/a?x=1&x=2" }, "direct"],
  ["a path with percent-encoding", { method: "GET", path: "/which/%61" }, "effect"],
  [
    "a request with Origin (CORS)",
    { method: "GET", path: "/which/a", headers: { origin: "http://x.test" } },
    "effect"
  ],
  ["a chunked body", post({ chunked: true }), "effect"],
  [
    "a body with Expect: 100-continue",
    post({
      headers: { expect: "100-continue", "content-length": String(JSON.stringify({ id: "a" }).length) }
    }),
    "effect"
  ]
]

for (const [way, serving] of ways) {
  describe(`the direct path (${way})`, () => {
    it.live("answers the adapter's plain requests; effect's server the rest, alike", () =>
      serving(App)((base) =>
        Effect.gen(function* () {
          for (const [name, options, expected] of requests) {
            const answer = yield* send(base, options)
            assert.strictEqual(answer.status, options.method === "POST" ? 201 : 200, name)
            assert.deepStrictEqual(answer.body, { server: expected, id: "a" }, name)
            // What the envelope and `observe` add, whichever server answered.
            assert.strictEqual(answer.headers["x-content-type-options"], "nosniff", name)
            assert.match(String(answer.headers["x-request-id"]), /^[0-9a-f]{32}$/, name)
            assert.match(String(answer.headers["content-type"]), /^application\/json/, name)
          }
          // HEAD goes to effect's server, which answers it with the GET route.
          const head = yield* send(base, { method: "HEAD", path: "/which/a" })
          assert.strictEqual(head.headers.etag, '"effect"')
          const get = yield* send(base, { method: "GET", path: "/which/a" })
          assert.strictEqual(get.headers.etag, '"direct"')
        })
      )
    )

    it.live("problems are the same on both: bad JSON, a bad If-Match, a bad payload, a defect", () =>
      serving(App)((base) =>
        Effect.gen(function* () {
          const bad: ReadonlyArray<readonly [Send, number]> = [
            [{ ...post(), body: "{" }, 400],
            [{ ...post(), body: JSON.stringify({ id: 1 }) }, 422],
            [post({ headers: { "if-match": "nope" } }), 400],
            [post({ headers: { "content-type": "text/plain" } }), 415],
            [{ ...post(), path: "/which/bigint" }, 500]
          ]
          for (const [options, status] of bad) {
            const direct = yield* send(base, options)
            // The same request with this server's own Origin goes through effect's server.
            const viaEffect = yield* send(base, { ...options, headers: { ...options.headers, origin: base } })
            assert.strictEqual(direct.status, status, JSON.stringify(options))
            assert.strictEqual(viaEffect.status, status, JSON.stringify(options))
            assert.deepStrictEqual(direct.body, viaEffect.body)
            assert.strictEqual(direct.headers["content-type"], "application/problem+json")
            assert.strictEqual(viaEffect.headers["content-type"], "application/problem+json")
          }
        })
      )
    )

    const bypassed: ReadonlyArray<readonly [string, typeof App, string | undefined]> = [
      ["a global middleware of the app's own", Layer.merge(App, marking), "global"],
      [
        "a route middleware around the adapter's routes",
        App.pipe(Layer.provide(aroundRoutes.layer)),
        "route"
      ],
      [
        "a tracer that records spans",
        App.pipe(Layer.provide(Layer.succeed(Tracer.Tracer, recording))),
        undefined
      ],
      ["a prefixed router", Layer.merge(App, prefixedRoute), undefined]
    ]
    for (const [name, app, header] of bypassed)
      it.live(`stays off with ${name}`, () =>
        serving(app)((base) =>
          Effect.gen(function* () {
            spans.length = 0
            const answer = yield* send(base, post())
            assert.deepStrictEqual(answer.body, { server: "effect", id: "a" })
            assert.strictEqual(answer.headers["x-app"], header)
            if (name === "a tracer that records spans") assert.include(spans, "CommandBus.dispatch WhichPost")
          })
        )
      )
  })
}
