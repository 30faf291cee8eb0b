/**
 * The raw baseline: a bare `node:http` server doing the demo's in-memory work for the benchmarked
 * routes (`orderWork.ts`): read and parse the JSON body, check it, append, update the view, answer;
 * read a view by id; and `GET /`, a constant answer (the floor under every route).
 */
import { createServer, type ServerResponse } from "node:http"
import { onJsonBody } from "./jsonBody.js"
import { type Answer, checkOrder, createOrder, getOrder } from "./orderWork.js"

const send = (res: ServerResponse, answer: Answer) => {
  const body = JSON.stringify(answer.body)
  res.writeHead(answer.status, {
    ...answer.headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body)
  })
  res.end(body)
}

const server = createServer((req, res) => {
  const url = req.url ?? "/"
  if (req.method === "GET" && url === "/") {
    res.writeHead(200, { "content-type": "text/plain", "content-length": 2 })
    res.end("ok")
  } else if (req.method === "GET" && url.startsWith("/orders/")) {
    send(res, getOrder(decodeURIComponent(url.slice("/orders/".length))))
  } else if (req.method === "POST" && url === "/orders") {
    onJsonBody(
      req,
      (body) => {
        const order = checkOrder(body)
        send(
          res,
          typeof order === "string"
            ? { status: 422, headers: {}, body: { error: order } }
            : createOrder(order)
        )
      },
      () => send(res, { status: 400, headers: {}, body: { error: "malformed JSON" } })
    )
  } else send(res, { status: 404, headers: {}, body: { error: "not found" } })
})

const port = Number(process.env.PORT ?? "8002")
server.listen(port, "127.0.0.1", () => console.log(`node:http on http://127.0.0.1:${port}`))
