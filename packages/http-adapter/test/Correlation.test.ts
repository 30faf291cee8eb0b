/** Which id a request's events are correlated by: its `traceparent`, else its `x-request-id`. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Observe } from "../src/index.js"

const trace = "0af7651916cd43dd8448eb211c80319c"
const parent = `00-${trace}-b7ad6b7169203331-01`

describe("Observe.requestIds", () => {
  it.effect.each([
    ["a traceparent's trace id, over an x-request-id", { traceparent: parent, "x-request-id": "r-1" }, trace],
    ["an x-request-id without a traceparent", { "x-request-id": "r-1" }, "r-1"],
    [
      "an x-request-id beside an all-zero trace id",
      { traceparent: `00-${"0".repeat(32)}-b7ad6b7169203331-01`, "x-request-id": "r-1" },
      "r-1"
    ],
    ["the made-up trace id without either", {}, undefined],
    ["the made-up trace id for a malformed x-request-id", { "x-request-id": "has space" }, undefined]
  ] as const)("correlates by %s", ([, headers, expected]) =>
    Effect.gen(function* () {
      const ids = yield* Observe.requestIds(headers)
      assert.strictEqual(ids.correlationId, expected ?? ids.traceId)
      assert.match(ids.correlationId, expected === undefined ? /^[0-9a-f]{32}$/ : /./)
    })
  )
})
