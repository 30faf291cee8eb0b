/** Node's request as the adapter's routes read it, and which bodies the direct path reads itself. */
import type { IncomingMessage } from "node:http"
import { Effect } from "effect"
import { MalformedJson } from "../HttpErrors.js"
import type { Incoming } from "../Incoming.js"

/** Node's request as an `Incoming`: its body read only when a route asks for it. */
export class NodeIncoming implements Incoming {
  readonly method: string
  readonly url: string
  constructor(
    private readonly request: IncomingMessage,
    readonly params: Readonly<Record<string, string | undefined>>,
    readonly query: Readonly<Record<string, string | ReadonlyArray<string>>>,
    readonly bodyLimit: number
  ) {
    this.method = request.method ?? "GET"
    this.url = request.url ?? "/"
  }

  header(name: string): string | undefined {
    const value = this.request.headers[name]
    return typeof value === "string" ? value : undefined
  }

  get bytes(): Effect.Effect<Uint8Array, MalformedJson> {
    const request = this.request
    return Effect.callback<Uint8Array, MalformedJson>((resume) => {
      const chunks: Array<Buffer> = []
      const onData = (chunk: Buffer) => {
        chunks.push(chunk)
      }
      const cleanup = () => {
        request.off("data", onData)
        request.off("end", onEnd)
        request.off("error", onError)
        request.off("close", onClose)
      }
      const onEnd = () => {
        cleanup()
        resume(
          Effect.succeed(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks))
        )
      }
      const onError = () => {
        cleanup()
        resume(Effect.fail(new MalformedJson({ detail: "the body could not be read" })))
      }
      // A client that goes away mid-body: Node closes the request without `end`.
      const onClose = () => {
        if (!request.complete) onError()
      }
      if (request.readableEnded) return resume(Effect.succeed(new Uint8Array(0)))
      request.on("data", onData)
      request.once("end", onEnd)
      request.once("error", onError)
      request.once("close", onClose)
      return Effect.sync(cleanup)
    })
  }
}

/** True when the body may be read here: not chunked, and not over the limit (effect's server answers those). */
export const directBody = (request: IncomingMessage, limit: number): boolean => {
  if (request.headers["transfer-encoding"] !== undefined) return false
  const length = request.headers["content-length"]
  return length === undefined || Number(length) <= limit
}
