/**
 * The demo's app (memory store, log at Warn) mounted in a fastify server through
 * `HttpAdapter.nodeListener`, as `test/mountedInFastify.test.ts` mounts it: which server should serve it.
 */
import { HttpAdapter } from "@cello/http-adapter"
import { Layer, ManagedRuntime, References } from "effect"
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify"
import { App } from "../src/app.js"

const runtime = ManagedRuntime.make(
  HttpAdapter.nodeListener(App).pipe(Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn")))
)
const listener = await runtime.runPromise(HttpAdapter.NodeListener.useSync((l) => l))
const server = Fastify({ logger: false })
await server.register(async (cello) => {
  cello.removeAllContentTypeParsers()
  cello.addContentTypeParser("*", (_request, _payload, done) => done(null))
  const mount = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack()
    listener(request.raw, reply.raw)
  }
  cello.all("/", mount)
  cello.all("/*", mount)
})
const port = Number(process.env.PORT ?? "8004")
await server.listen({ host: "127.0.0.1", port })
console.log(`demo in fastify on http://127.0.0.1:${port}`)
process.once("SIGTERM", () => {
  server
    .close()
    .then(() => runtime.dispose())
    .then(() => process.exit(0))
})
