/** The orders example on PostgreSQL: events, read model and checkpoint in one database. */
import { EventStore, Projection, ProjectionRunner } from "@cello/eventsourcing"
import { visible } from "@cello/eventsourcing/testing"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { storeLayer } from "../../store-postgres/test/testDatabase.js"
import { Buses, ListOrders, program, summaries } from "../examples/orders.js"
import { QueryBus } from "../src/index.js"

const expected = {
  rejected: "order is shipped",
  placed: [{ orderId: "o-2", customerId: "bob", total: 70, status: "placed" }]
}

layer(
  Buses.pipe(
    Layer.provideMerge(Projection.layerInline([summaries])),
    Layer.provideMerge(storeLayer("orders_inline"))
  ),
  {
    excludeTestServices: true
  }
)("orders example on PostgreSQL, inline", (it) => {
  it.effect("the read model is written in the append's transaction", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* program, expected)
    })
  )
})

layer(Buses.pipe(Layer.provideMerge(storeLayer("orders_async"))), { excludeTestServices: true })(
  "orders example on PostgreSQL, async",
  (it) => {
    it.effect("the projection catches up with read model and checkpoint in one transaction", () =>
      Effect.gen(function* () {
        yield* program
        // The log shows an append to readers once no older transaction runs anywhere on the server.
        const [last] = yield* EventStore.readStream("Order-o-1", { direction: "backwards", limit: 1 })
        yield* visible(last?.checkpoint)
        yield* ProjectionRunner.catchUp(summaries)
        assert.deepStrictEqual(yield* QueryBus.dispatch(ListOrders, { status: "placed" }), expected.placed)
      })
    )
  }
)
