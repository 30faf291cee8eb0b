/**
 * Reading a JSON body within the adapter's size limit, for the demo's own routes. The errors are the
 * adapter's (`MalformedJson`, `BodyTooLarge`), so they answer exactly as on its routes (400, 413).
 */
import { BodyTooLarge, MalformedJson } from "@cello/http-adapter"
import { Effect, Stream } from "effect"
import { HttpServerRequest } from "effect/http"

const decoder = new TextDecoder("utf-8", { fatal: true })

/** The body as JSON, `undefined` when empty; a huge body is refused before it is buffered. */
export const readJson = (
  limit: number
): Effect.Effect<unknown, MalformedJson | BodyTooLarge, HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const declared = Number(request.headers["content-length"] ?? "0")
    if (Number.isFinite(declared) && declared > limit) return yield* new BodyTooLarge({ limit })
    const chunks: Array<Uint8Array> = []
    const size = yield* request.stream.pipe(
      Stream.mapError(() => new MalformedJson({ detail: "the body could not be read" })),
      Stream.runFoldEffect(
        () => 0,
        (total, chunk: Uint8Array) => {
          const next = total + chunk.length
          if (next > limit) return Effect.fail(new BodyTooLarge({ limit }))
          chunks.push(chunk)
          return Effect.succeed(next)
        }
      )
    )
    if (size === 0) return undefined
    const bytes = new Uint8Array(size)
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    const text = yield* Effect.try({
      try: () => decoder.decode(bytes),
      catch: () => new MalformedJson({ detail: "the body is not UTF-8" })
    })
    if (text.trim().length === 0) return undefined
    return yield* Effect.try({
      try: (): unknown => JSON.parse(text),
      catch: (error) => new MalformedJson({ detail: error instanceof Error ? error.message : "parse error" })
    })
  })
