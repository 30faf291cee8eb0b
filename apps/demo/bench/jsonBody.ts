/** A bare `node:http` server's request body as JSON, as both bare baselines read it. */
import type { IncomingMessage } from "node:http"

export const onJsonBody = (
  req: IncomingMessage,
  parsed: (body: unknown) => void,
  malformed: () => void
): void => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
    } catch {
      return malformed()
    }
    parsed(body)
  })
}
