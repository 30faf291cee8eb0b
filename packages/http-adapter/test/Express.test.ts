/**
 * The Node listener in an Express 5 app, as its last middleware (`app.use(listener)`): Express's own
 * routes before it answer first, everything else is the adapter's, with its problems and request ids.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import express from "express"
import { App } from "../examples/orders.js"
import { at, call, json, mountedOn } from "./support.js"

const withExpress = mountedOn(App, (listener) => {
  const app = express()
  app.get("/own", (_request, response) => {
    response.json({ served: "by express" })
  })
  app.use(listener)
  return app
})

describe("the Node listener in Express", () => {
  it.effect("Express's own route first, then the adapter's routes, problems and ids", () =>
    withExpress((base) =>
      Effect.gen(function* () {
        const own = yield* call(`${base}/own`)
        expect(own.body).toEqual({ served: "by express" })
        const created = yield* call(`${base}/orders`, json({ items: ["Widget"] }))
        expect(created.status).toBe(201)
        expect(created.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/)
        const read = yield* call(`${base}${created.headers.get("location") ?? ""}`)
        expect(at(read.body, "status")).toBe("placed")
        const invalid = yield* call(`${base}/orders`, json({ items: [] }))
        expect(invalid.status).toBe(422)
        expect(invalid.headers.get("content-type")).toBe("application/problem+json")
        const missing = yield* call(`${base}/no/such/route`)
        expect(missing.status).toBe(404)
        expect(missing.headers.get("content-type")).toBe("application/problem+json")
      })
    )
  )
})
