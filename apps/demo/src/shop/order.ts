/** The order aggregate (seed 003's `OrderAggregate`) and its decisions. */
import { Aggregate } from "@cello/eventsourcing"
import { Effect, Schema } from "effect"
import { OrderCancelled, OrderConfirmed, OrderCreated, OrderShipped, orderEvents } from "./events.js"

const OrderState = Schema.Struct({
  status: Schema.Literals(["new", "created", "confirmed", "shipped", "delivered", "cancelled"]),
  user_id: Schema.String,
  product: Schema.String,
  quantity: Schema.Int,
  /** In cents. */
  price: Schema.Int,
  tracking_number: Schema.NullOr(Schema.String),
  cancelled_reason: Schema.NullOr(Schema.String)
})
export type OrderState = typeof OrderState.Type

export const Order = Aggregate.make<OrderState>()({
  name: "Order",
  initialState: {
    status: "new",
    user_id: "",
    product: "",
    quantity: 0,
    price: 0,
    tracking_number: null,
    cancelled_reason: null
  },
  events: orderEvents,
  evolve: {
    OrderCreated: (s, e) => ({
      ...s,
      status: "created",
      user_id: e.user_id,
      product: e.product,
      quantity: e.quantity,
      price: e.price
    }),
    OrderConfirmed: (s) => ({ ...s, status: "confirmed" }),
    OrderShipped: (s, e) => ({ ...s, status: "shipped", tracking_number: e.tracking_number }),
    OrderDelivered: (s) => ({ ...s, status: "delivered" }),
    OrderCancelled: (s, e) => ({ ...s, status: "cancelled", cancelled_reason: e.reason })
  },
  // Version 2: the price is cents (older snapshots are ignored and the stream replayed).
  snapshot: { schema: OrderState, version: 2 }
})

export type OrderEvent = Aggregate.EventOf<typeof Order>

export class OrderNotFound extends Schema.TaggedError<OrderNotFound>()("OrderNotFound", {
  order_id: Schema.String
}) {
  override get message(): string {
    return `Order ${this.order_id} not found`
  }
}

/** A command the order's state refuses (shipping a cancelled order, cancelling a shipped one, ...). */
export class OrderRejected extends Schema.TaggedError<OrderRejected>()("OrderRejected", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

export type Decision = (
  state: OrderState
) => Effect.Effect<ReadonlyArray<OrderEvent>, OrderNotFound | OrderRejected>

const reject = (reason: string) => Effect.fail(new OrderRejected({ reason }))

export const create =
  (order: { user_id: string; product: string; quantity: number; price: number }): Decision =>
  (state) =>
    state.status === "new" ? Effect.succeed([new OrderCreated(order)]) : reject(alreadyExists)

/** What `create` answers for an id already in use. */
export const alreadyExists = "Order already exists"

/** Creates the order unless it exists: for an id of the caller's own (a saga's), sent again after a crash. */
export const createOnce =
  (order: { user_id: string; product: string; quantity: number; price: number }): Decision =>
  (state) =>
    Effect.succeed(state.status === "new" ? [new OrderCreated(order)] : [])

const exists = (orderId: string, state: OrderState) =>
  state.status === "new" ? Effect.fail(new OrderNotFound({ order_id: orderId })) : Effect.void

export const ship =
  (orderId: string, trackingNumber: string): Decision =>
  (state) =>
    Effect.andThen(
      exists(orderId, state),
      state.status === "cancelled"
        ? reject("Cannot ship a cancelled order")
        : state.status === "shipped" || state.status === "delivered"
          ? reject("Order already shipped")
          : Effect.succeed([new OrderShipped({ tracking_number: trackingNumber })])
    )

export const cancel =
  (orderId: string, reason: string): Decision =>
  (state) =>
    Effect.andThen(
      exists(orderId, state),
      state.status === "shipped" || state.status === "delivered"
        ? reject("Cannot cancel an order that has been shipped")
        : state.status === "cancelled"
          ? reject("Order is already cancelled")
          : Effect.succeed([new OrderCancelled({ reason })])
    )

export const confirm =
  (orderId: string, paymentId: string): Decision =>
  (state) =>
    Effect.andThen(
      exists(orderId, state),
      state.status === "created"
        ? Effect.succeed([new OrderConfirmed({ payment_id: paymentId })])
        : reject(`Cannot confirm an order that is ${state.status}`)
    )
