/**
 * The demo's app (memory store, log at Warn) mounted in a fastify server through the adapter's
 * fastify plugin, as `test/mountedInFastify.test.ts` mounts it: which server should serve it.
 */
import { HttpAdapter } from "@cello/http-adapter"
import * as CelloFastify from "@cello/http-adapter/fastify"
import { Layer, ManagedRuntime, References } from "effect"
import Fastify from "fastify"
import { App } from "../src/app.js"

const runtime = ManagedRuntime.make(
  HttpAdapter.nodeListener(App).pipe(Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn")))
)
const listener = await runtime.runPromise(HttpAdapter.NodeListener.useSync((l) => l))
const server = Fastify({ logger: false })
await server.register(CelloFastify.plugin(listener))
const port = Number(process.env.PORT ?? "8004")
await server.listen({ host: "127.0.0.1", port })
console.log(`demo in fastify on http://127.0.0.1:${port}`)
process.once("SIGTERM", () => {
  server
    .close()
    .then(() => runtime.dispose())
    .then(() => process.exit(0))
})
