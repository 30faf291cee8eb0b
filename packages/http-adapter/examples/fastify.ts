import { HttpAdapter } from "@cello/http-adapter"
import * as CelloFastify from "@cello/http-adapter/fastify"
import { ManagedRuntime } from "effect"
import Fastify from "fastify"
import { App } from "./orders.js"

/** The orders app (examples/orders.ts) beside a fastify server's own routes, on `port`. */
export const start = async (port: number) => {
  const runtime = ManagedRuntime.make(HttpAdapter.nodeListener(App))
  const listener = await runtime.runPromise(HttpAdapter.NodeListener.useSync((l) => l))
  const server = Fastify()
  server.get("/ping", async () => ({ pong: true })) // fastify's own route: it wins
  await server.register(CelloFastify.plugin(listener)) // every other path: the adapter's
  const url = await server.listen({ host: "127.0.0.1", port })
  // The server first (no new requests), then the app's layers.
  const stop = () => server.close().then(() => runtime.dispose())
  return { url, stop }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { stop } = await start(8000)
  process.once("SIGINT", stop)
  // curl -i -X POST localhost:8000/orders -H 'content-type: application/json' -d '{"items":["Widget"]}'
  // → 201 Created, Location: /orders/<id>; curl localhost:8000/ping → {"pong":true}
}
