/**
 * The app in a fastify server an app already has: a plugin that gives every request fastify has no
 * route of its own for to the adapter's listener (`HttpAdapter.nodeListener`), body unread, so the
 * adapter's routes, problems, request ids, health, metrics, OpenAPI document and pages answer as
 * under `serve`. fastify's own routes win wherever they are registered; unknown paths get the
 * adapter's 404 problem. Only types come from fastify: the package does not depend on it.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { FastifyPluginAsync, RouteHandlerMethod } from "fastify"

/**
 * `HttpAdapter.NodeListener`'s type, written here rather than imported: a type shared with the main
 * entry puts it in a declaration chunk, where the bundler then declares the main entry's re-export as a value.
 */
export type Listener = (request: IncomingMessage, response: ServerResponse) => void

/** The plugin was registered under a prefix: the adapter's routes, links and documents assume the root. */
export class FastifyPrefixError extends Error {
  override readonly name = "FastifyPrefixError"
  constructor(readonly prefix: string) {
    super(
      `@cello/http-adapter's fastify plugin must be registered at the root, not under "${prefix}": its routes, Location headers and OpenAPI document name root paths`
    )
  }
}

/**
 * `await server.register(plugin(listener))`, with `listener` from `HttpAdapter.NodeListener`. The
 * plugin's scope reads no body (the adapter reads and limits it), so a content-type parser of the
 * server applies to fastify's routes only. The adapter writes its answers itself (`reply.hijack()`):
 * fastify's `onSend` hooks do not see them, its `onResponse` hooks do. Close the fastify server
 * first, then the listener's layer.
 */
export const plugin =
  (listener: Listener): FastifyPluginAsync =>
  async (instance) => {
    if (instance.prefix !== "") throw new FastifyPrefixError(instance.prefix)
    instance.removeAllContentTypeParsers()
    instance.addContentTypeParser("*", (_request, _payload, done) => done(null))
    const mount: RouteHandlerMethod = (request, reply) => {
      reply.hijack()
      listener(request.raw, reply.raw)
    }
    // The wildcard matches the root too.
    instance.all("/*", mount)
  }
