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
    const answer = await client(demo.url).post("/saga/place-order", {
      user_id: "timeout",
      product: "Widget",
      quantity: 1,
      price: 5
    })
    expect(answer.status, JSON.stringify(answer.body)).toBe(504)
    // Without the setting the default 30 s would have let the 20 s gateway answer: a 201.
    expect(at(answer.body, "detail")).toBe("The command did not finish in time.")
  }, 60_000)
})
