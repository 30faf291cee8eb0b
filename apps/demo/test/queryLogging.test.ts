/**
 * A query's declared failure is an answer, logged at Debug by the query bus's defaults: `GET
 * /orders/{id}` for an order that does not exist writes no warning (the rest of that rule is tested
 * in `@cello/cqrs`).
 */
import { HttpAdapter } from "@cello/http-adapter"
import { Layer, Logger, type LogLevel, References } from "effect"
import { describe, expect, it } from "vitest"
import { makeApp } from "../src/app.js"
import { memory } from "./support/inProcess.js"

type Line = readonly [level: LogLevel.LogLevel, message: unknown]

const collecting = (lines: Array<Line>) =>
  Layer.mergeAll(
    Logger.layer([Logger.make(({ logLevel, message }) => void lines.push([logLevel, message]))]),
    Layer.succeed(References.MinimumLogLevel, "Debug")
  )

describe("the demo's query logging", () => {
  it("answers a missing order 404 with a Debug line and no warning", async () => {
    const lines: Array<Line> = []
    const { handler, dispose } = HttpAdapter.toWebHandler(
      makeApp(memory).pipe(Layer.provide(collecting(lines)))
    )
    try {
      const response = await handler(new Request("http://demo/orders/order-none"))
      expect(response.status).toBe(404)
      await response.text()
    } finally {
      await dispose()
    }
    expect(lines.filter(([level]) => level === "Warn" || level === "Error")).toEqual([])
    expect(lines).toContainEqual(["Debug", ["query GetOrder answered a declared failure", expect.anything()]])
  })
})
