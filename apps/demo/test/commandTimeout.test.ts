/**
 * `CELLO_COMMAND_TIMEOUT` bounds a command: with a payment gateway far slower than it, placing an
 * order answers 504 saying the command did not finish in time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { at, client, type Demo, startDemo } from "./support/demo.js"

describe("the demo's command timeout", () => {
  let demo: Demo

  beforeAll(async () => {
    demo = await startDemo({ CELLO_DEMO_PAYMENT_LATENCY: "20 seconds", CELLO_COMMAND_TIMEOUT: "1 second" })
  }, 120_000)

  afterAll(() => demo.stop())

  it("answers 504 once CELLO_COMMAND_TIMEOUT has passed", async () => {
    const started = Date.now()
    const answer = await client(demo.url).post("/saga/place-order", {
      user_id: "timeout",
      product: "Widget",
      quantity: 1,
      price: 5
    })
    expect(answer.status, JSON.stringify(answer.body)).toBe(504)
    expect(at(answer.body, "detail")).toBe("The command did not finish in time.")
    // Well before the gateway's 20 seconds: the setting, not the gateway, ended it.
    expect(Date.now() - started).toBeLessThan(20_000)
  }, 60_000)
})
