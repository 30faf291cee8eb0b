/**
 * The cost of a request inside the process, without sockets or a load generator sharing the cores:
 * the demo app (memory store, log at Warn) behind `HttpAdapter.toWebHandler`, 16 requests in flight,
 * beside a constant route on effect's bare `HttpRouter` (the floor under every route). Less noisy
 * than the autocannon rounds, and what a change to the request path should be judged by.
 *
 * Two more `POST /orders` rows, each beside the plain one (ratio, rounds interleaved): with
 * `Observability.layer` and no `OTEL_*` variable set (the exporter off must cost nothing), and with a
 * tracer that records every span in memory and exports none (every span opened, and each append's
 * `traceparent` written into its events' metadata: the price of tracing without the exporter's I/O).
 */
import { HttpAdapter, Observability } from "@cello/http-adapter"
import { MemoryStore } from "@cello/store-memory"
import { ConfigProvider, Effect, Layer, References, Tracer } from "effect"
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

/**
 * Microseconds per request, 16 in flight, after a warm-up: wall clock, and this process's CPU time
 * (steadier than the wall clock when other work shares the cores).
 */
const perRequest = async (
  handler: Handler,
  request: () => Request,
  count: number
): Promise<{ readonly wall: number; readonly cpu: number }> => {
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
  const cpu = process.cpuUsage()
  await drive(count)
  const used = process.cpuUsage(cpu)
  return { wall: ((performance.now() - started) * 1000) / count, cpu: (used.user + used.system) / count }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

// Effect's native tracer behind another identity: it records like any exporter's tracer, and keeps
// the spans only until they are garbage.
const recordingTracer = Layer.succeed(
  Tracer.Tracer,
  Tracer.make({ span: (options) => Tracer.nativeTracer.span(options) })
)

/** The demo app (memory store, log at Warn, the demo's default settings) with `extra` under it. */
const demoApp = <E>(extra: Layer.Layer<never, E>) =>
  HttpAdapter.toWebHandler(
    makeApp(Layer.merge(MemoryStore.layer, Layer.succeed(StoreKind, "memory"))).pipe(
      Layer.provide(extra),
      Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn")),
      // The demo's defaults, whatever this shell exports (no Redis read side, no dev pages, no OTLP).
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: {} })))
    )
  )

/**
 * A markdown table of µs per request, the median of `rounds` runs of each, with each variant's ratio
 * to the row it is measured against. `scale` multiplies the requests per run: more, shorter rounds
 * interleave the cases more finely on a busy machine.
 */
export const inProcessTable = async (rounds = 3, scale = 1): Promise<string> => {
  const floor = HttpRouter.toWebHandler(
    HttpRouter.add("GET", "/", Effect.succeed(HttpServerResponse.text("ok"))).pipe(
      Layer.provide(HttpServer.layerServices)
    ),
    { disableLogger: true }
  )
  const app = demoApp(Layer.empty)
  const unsetOtel = demoApp(Observability.layer("cello-demo"))
  const traced = demoApp(recordingTracer)
  try {
    const created: unknown = await (await app.handler(postOrder())).json()
    const data = typeof created === "object" && created !== null ? Reflect.get(created, "data") : undefined
    const id = typeof data === "object" && data !== null ? String(Reflect.get(data, "order_id")) : ""
    const cases: ReadonlyArray<
      readonly [name: string, Handler, () => Request, count: number, against?: string]
    > = [
      ["effect `HttpRouter`, constant route", floor.handler, () => new Request("http://demo/"), 20_000],
      ["GET /health/live", app.handler, () => new Request("http://demo/health/live"), 20_000],
      ["GET /orders/{id}", app.handler, () => new Request(`http://demo/orders/${id}`), 20_000],
      ["POST /orders", app.handler, postOrder, 5_000],
      [
        "POST /orders, `Observability.layer` with no `OTEL_*` set",
        unsetOtel.handler,
        postOrder,
        5_000,
        "POST /orders"
      ],
      [
        "POST /orders, a recording tracer (no export): spans and `traceparent` in metadata",
        traced.handler,
        postOrder,
        5_000,
        "POST /orders"
      ]
    ]
    const runs = new Map<string, Array<{ readonly wall: number; readonly cpu: number }>>(
      cases.map(([name]) => [name, []])
    )
    // The cases take turns, in reverse order every other round, so a neighbour's load on a shared
    // machine falls on all of them alike.
    for (let round = 0; round < rounds; round++)
      for (const [name, handler, request, count] of round % 2 === 0 ? cases : [...cases].reverse())
        runs.get(name)?.push(await perRequest(handler, request, Math.max(100, Math.round(count * scale))))
    const medianOf = (name: string, of: "wall" | "cpu") => median((runs.get(name) ?? []).map((r) => r[of]))
    const rows = cases.map(([name, , , , against]) => {
      const cpu = medianOf(name, "cpu")
      const ratio =
        against === undefined ? "" : `${(cpu / medianOf(against, "cpu")).toFixed(2)}× of ${against}`
      return `| ${name} | ${medianOf(name, "wall").toFixed(0)} | ${cpu.toFixed(0)} | ${ratio} |`
    })
    return [
      "| In process (16 in flight) | µs per request (wall) | CPU µs per request | CPU ratio |",
      "| --- | ---: | ---: | --- |",
      ...rows
    ].join("\n")
  } finally {
    await floor.dispose()
    await app.dispose()
    await unsetOtel.dispose()
    await traced.dispose()
  }
}
