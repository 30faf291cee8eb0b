/**
 * The ceiling under any serving path: the demo's own work for the benchmarked routes (its
 * `CreateOrder` command and `GetOrder` query on the same buses, handlers and inline projections, on
 * the store the environment picks, as the demo's) called from a bare `node:http` handler, with none
 * of the adapter (no request id, metrics, problem answers or body checks) and not effect's server.
 * A faster server under the adapter could at best bring the demo's rows up to these.
 */
import { createServer, type ServerResponse } from "node:http"
import { CommandBus, QueryBus } from "@cello/cqrs"
import { Effect, Exit, Layer, ManagedRuntime, References, Schema } from "effect"
import { Domain } from "../src/app.js"
import { CreateOrder } from "../src/shop/commands.js"
import { GetOrder } from "../src/shop/queries.js"
import * as Store from "../src/store.js"
import { onJsonBody } from "./jsonBody.js"

const runtime = ManagedRuntime.make(
  Domain.pipe(
    Layer.provideMerge(Store.layer),
    Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))
  )
)
await runtime.context()

const decodeOrder = Schema.decodeUnknownEffect(Schema.toCodecJson(CreateOrder.payload))
const encodeCreated = Schema.encodeEffect(Schema.toCodecJson(CreateOrder.success))
const encodeOrder = Schema.encodeEffect(Schema.toCodecJson(GetOrder.success))

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text)
  })
  res.end(text)
}

const run = <A, E>(
  res: ServerResponse,
  effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Services<typeof runtime>>,
  ok: (value: A) => void
) =>
  runtime.runCallback(effect, {
    onExit: (exit) => (Exit.isSuccess(exit) ? ok(exit.value) : send(res, 400, { error: "refused" }))
  })

const server = createServer((req, res) => {
  const url = req.url ?? "/"
  if (req.method === "GET" && url.startsWith("/orders/")) {
    const payload = { order_id: decodeURIComponent(url.slice("/orders/".length)) }
    const answer = QueryBus.dispatch(GetOrder, payload).pipe(
      Effect.flatMap((order) =>
        Effect.map(encodeOrder(order), (body) => ({ body, etag: `"${order.version}"` }))
      )
    )
    run(res, answer, ({ body, etag }) => send(res, 200, body, { etag }))
  } else if (req.method === "POST" && url === "/orders") {
    onJsonBody(
      req,
      (body) =>
        run(
          res,
          decodeOrder(body).pipe(
            Effect.flatMap((order) => CommandBus.dispatch(CreateOrder, order)),
            Effect.flatMap((created) =>
              Effect.map(encodeCreated(created), (data) => ({
                data,
                location: `/orders/${created.order_id}`
              }))
            )
          ),
          ({ data, location }) => send(res, 201, { message: "Order created", data }, { location })
        ),
      () => send(res, 400, { error: "malformed JSON" })
    )
  } else send(res, 404, { error: "not found" })
})

const port = Number(process.env.PORT ?? "8005")
server.listen(port, "127.0.0.1", () => console.log(`domain direct on http://127.0.0.1:${port}`))
process.once("SIGTERM", () => {
  server.close()
  runtime.dispose().then(() => process.exit(0))
})
