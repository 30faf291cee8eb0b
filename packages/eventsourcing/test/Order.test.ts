import { given } from "@cello/eventsourcing/testing"
import { describe, it } from "@effect/vitest"
import {
  cancel,
  create,
  Order,
  OrderCancelled,
  OrderCreated,
  OrderError,
  OrderShipped,
  ship
} from "../examples/order.js"

const created = new OrderCreated({ orderId: "o-1", customerId: "c-1", items: ["Widget"] })
const shipped = new OrderShipped({ orderId: "o-1", trackingNumber: "T-1" })
const cancelled = new OrderCancelled({ orderId: "o-1", reason: "changed mind" })

describe("Order (seed aggregate), given / when / then", () => {
  it.effect("creates a new order", () =>
    given(Order)
      .when(create("o-1", "c-1", ["Widget"]))
      .thenEvents([created])
  )
  it.effect("refuses to create an order twice", () =>
    given(Order, [created])
      .when(create("o-1", "c-1", ["Widget"]))
      .thenFails(new OrderError({ reason: "order o-1 already exists" }))
  )
  it.effect("refuses an order without items", () =>
    given(Order)
      .when(create("o-1", "c-1", []))
      .thenFailsWith((e) => e.reason.includes("at least one item"))
  )
  it.effect("ships a created order and records the tracking number", () =>
    given(Order, [created])
      .when(ship("o-1", "T-1"))
      .thenState((state) => {
        if (state.status !== "shipped" || state.trackingNumber !== "T-1")
          throw new Error(JSON.stringify(state))
      })
  )
  it.effect("ships a created order", () =>
    given(Order, [created]).when(ship("o-1", "T-1")).thenEvents([shipped])
  )
  it.effect("cannot ship a cancelled order", () =>
    given(Order, [created, cancelled])
      .when(ship("o-1", "T-1"))
      .thenFails(new OrderError({ reason: "cannot ship an order that is cancelled" }))
  )
  it.effect("cannot cancel a shipped order", () =>
    given(Order, [created, shipped])
      .when(cancel("o-1", "late"))
      .thenFails(new OrderError({ reason: "cannot cancel an order that is shipped" }))
  )
  it.effect("cancels a created order", () =>
    given(Order, [created]).when(cancel("o-1", "changed mind")).thenEvents([cancelled])
  )
})
