/**
 * The cost of a request inside the process, without sockets or a load generator sharing the cores:
 * the demo app (memory store, log at Warn) behind `HttpAdapter.toWebHandler`, 16 requests in flight,
 * beside a constant route on effect's bare `HttpRouter` (the floor under every route). Less noisy
 * than the autocannon rounds, and what a change to the request path should be judged by.
 */
import { HttpAdapter } from "@cello/http-adapter"
import { MemoryStore } from "@cello/store-memory"
import { ConfigProvider, Effect, Layer, References } from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { makeApp } from "../src/app.js"
import { StoreKind } from "../src/storeKind.js"

type Handler = (request: Request) => Promise<Response>

const orderBody = JSON.stringify({ user_id: "user-1", product: "Widget", quantity: 3, price: 29.99 })
const postOrder = () =>
  new Request("http://demo/orders", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: orderBody
  })

/** Microseconds per request, 16 in flight, after a warm-up. */
const perRequest = async (handler: Handler, request: () => Request, count: number): Promise<number> => {
  const drive = async (n: number) => {
    let sent = 0
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < n) {
          sent++
          await (await handler(request())).arrayBuffer()
        }
      })
    )
  }
  await drive(count / 10)
  const started = performance.now()
  await drive(count)
  return ((performance.now() - started) * 1000) / count
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

/** A markdown table of µs per request, the median of `rounds` runs of each. */
export const inProcessTable = async (rounds = 3): Promise<string> => {
  const floor = HttpRouter.toWebHandler(
    HttpRouter.add("GET", "/", Effect.succeed(HttpServerResponse.text("ok"))).pipe(
      Layer.provide(HttpServer.layerServices)
    ),
    { disableLogger: true }
  )
  const app = HttpAdapter.toWebHandler(
    makeApp(Layer.merge(MemoryStore.layer, Layer.succeed(StoreKind, "memory"))).pipe(
      Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn")),
      // The demo's defaults, whatever this shell exports (no Redis read side, no dev pages).
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: {} })))
    )
  )
  try {
    const created: unknown = await (await app.handler(postOrder())).json()
    const data = typeof created === "object" && created !== null ? Reflect.get(created, "data") : undefined
    const id = typeof data === "object" && data !== null ? String(Reflect.get(data, "order_id")) : ""
    const cases: ReadonlyArray<readonly [string, Handler, () => Request, number]> = [
      ["effect `HttpRouter`, constant route", floor.handler, () => new Request("http://demo/"), 20_000],
      ["GET /health/live", app.handler, () => new Request("http://demo/health/live"), 20_000],
      ["GET /orders/{id}", app.handler, () => new Request(`http://demo/orders/${id}`), 20_000],
      ["POST /orders", app.handler, postOrder, 5_000]
    ]
    const rows: Array<string> = []
    for (const [name, handler, request, count] of cases) {
      const runs: Array<number> = []
      for (let round = 0; round < rounds; round++) runs.push(await perRequest(handler, request, count))
      rows.push(`| ${name} | ${median(runs).toFixed(0)} |`)
    }
    return ["| In process (16 in flight) | µs per request |", "| --- | ---: |", ...rows].join("\n")
  } finally {
    await floor.dispose()
    await app.dispose()
  }
}
