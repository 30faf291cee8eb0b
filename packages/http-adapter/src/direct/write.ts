/** Writing a route's answer to Node's response, as effect's server writes it. */
import type { ServerResponse } from "node:http"
import { Cookies } from "effect/http"
import * as Problem from "../Problem.js"
import type { Response } from "./routesOver.js"

/**
 * The answer, as effect's server writes an adapter route's: its headers, the request id (`observe`'s),
 * cookies (none of the adapter's routes set any), `nosniff` (the envelope's) and its JSON or empty body.
 */
const writeResponse = (nodeResponse: ServerResponse, response: Response, requestId: string): void => {
  const headers: Record<string, string | Array<string>> = {
    ...response.headers,
    "x-request-id": requestId,
    "x-content-type-options": "nosniff"
  }
  if (!Cookies.isEmpty(response.cookies)) headers["set-cookie"] = Cookies.toSetCookieHeaders(response.cookies)
  const body = response.body
  if (response.status === 204 || response.status === 205 || body._tag === "Empty") {
    delete headers["content-length"]
    nodeResponse.writeHead(response.status, headers)
    nodeResponse.end()
  } else if (body._tag === "Uint8Array") {
    nodeResponse.writeHead(response.status, headers)
    nodeResponse.end(body.text ?? body.body)
  } else {
    // The adapter's routes answer JSON or nothing; anything else is a bug, answered as one.
    writeResponse(nodeResponse, Problem.toResponse(Problem.internal), requestId)
  }
}

/**
 * Writes the answer unless the client is gone. It runs where the request's fiber ends, outside any
 * Effect: Node refuses some writes by throwing (headers it rejects), and then the connection is
 * closed instead, as effect's server does, never letting the exception reach the process.
 */
export const write = (nodeResponse: ServerResponse, response: Response, requestId: string): void => {
  if (nodeResponse.writableEnded || nodeResponse.destroyed) return
  try {
    writeResponse(nodeResponse, response, requestId)
  } catch {
    nodeResponse.destroy()
  }
}

/** A request the server stopped (closing) before it was answered. */
export const unavailable = Problem.toResponse({
  status: 503,
  slug: "unavailable",
  title: "Service unavailable",
  detail: "The server is shutting down."
})
