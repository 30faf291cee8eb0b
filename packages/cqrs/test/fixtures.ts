import { Schema } from "effect"
import { Command, Query } from "../src/index.js"

export class OrderRejected extends Schema.TaggedError<OrderRejected>()("OrderRejected", {
  reason: Schema.String
}) {}

export const PlaceOrder = Command.make("PlaceOrder", {
  payload: {
    customerId: Schema.NonEmptyString,
    items: Schema.Array(Schema.String).check(Schema.isMinLength(1))
  },
  success: Schema.Struct({ orderId: Schema.String }),
  failure: OrderRejected
})

export const Ping = Command.make("Ping", { payload: {}, success: Schema.Void })

export const OrderView = Schema.Struct({ orderId: Schema.String, status: Schema.String })

export const GetOrder = Query.make("GetOrder", {
  payload: { orderId: Schema.String },
  success: Schema.Option(OrderView)
})
