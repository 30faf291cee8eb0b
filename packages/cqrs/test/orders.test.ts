/**
 * Event-driven sync, end to end: commands append events, a projection keeps a typed read model in
 * step — inline (in the append) or async (from a checkpoint) — and a query reads it. Memory here;
 * PostgreSQL in orders.postgres.test.ts.
 */
import { Projection, ProjectionRunner } from "@cello/eventsourcing"
import { MemoryStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Buses, ListOrders, program, summaries } from "../examples/orders.js"
import { QueryBus } from "../src/index.js"

const expected = {
  rejected: "order is shipped",
  placed: [{ orderId: "o-2", customerId: "bob", total: 70, status: "placed" }]
}

describe("orders example on the memory store", () => {
  it.effect("inline: the read model is updated inside each append", () =>
    Effect.gen(function* () {
      const result = yield* program
      assert.deepStrictEqual(result, expected)
      assert.deepStrictEqual(
        (yield* QueryBus.dispatch(ListOrders, { status: "shipped" })).map((o) => o.orderId),
        ["o-1"]
      )
    }).pipe(
      Effect.provide(
        Buses.pipe(
          Layer.provideMerge(Projection.layerInline([summaries])),
          Layer.provideMerge(MemoryStore.layer)
        )
      )
    )
  )

  it.effect("async: the projection catches up from its checkpoint, then the query sees it", () =>
    Effect.gen(function* () {
      const result = yield* program
      assert.deepStrictEqual(result.placed, [])
      const progress = yield* ProjectionRunner.catchUp(summaries)
      assert.strictEqual(progress.behind, 0)
      assert.deepStrictEqual(yield* QueryBus.dispatch(ListOrders, { status: "placed" }), expected.placed)
    }).pipe(Effect.provide(Buses.pipe(Layer.provideMerge(MemoryStore.layer))))
  )
})
