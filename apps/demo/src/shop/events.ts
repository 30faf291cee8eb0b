/** The shop's events (seed 003), snake_case as the event history shows them. */
import { Schema } from "effect"

export class OrderCreated extends Schema.TaggedClass<OrderCreated>()("OrderCreated", {
  user_id: Schema.String,
  product: Schema.String,
  quantity: Schema.Int,
  price: Schema.Number
}) {}
export class OrderConfirmed extends Schema.TaggedClass<OrderConfirmed>()("OrderConfirmed", {
  payment_id: Schema.String
}) {}
export class OrderShipped extends Schema.TaggedClass<OrderShipped>()("OrderShipped", {
  tracking_number: Schema.String
}) {}
export class OrderDelivered extends Schema.TaggedClass<OrderDelivered>()("OrderDelivered", {}) {}
export class OrderCancelled extends Schema.TaggedClass<OrderCancelled>()("OrderCancelled", {
  reason: Schema.String
}) {}

export const orderEvents = [
  OrderCreated,
  OrderConfirmed,
  OrderShipped,
  OrderDelivered,
  OrderCancelled
] as const

/** A product's stock: added at start-up, reserved by the placement saga, released by its compensation. */
export class StockAdded extends Schema.TaggedClass<StockAdded>()("StockAdded", { quantity: Schema.Int }) {}
export class StockReserved extends Schema.TaggedClass<StockReserved>()("StockReserved", {
  quantity: Schema.Int,
  reservation: Schema.String
}) {}
export class StockReleased extends Schema.TaggedClass<StockReleased>()("StockReleased", {
  quantity: Schema.Int,
  reservation: Schema.String
}) {}

export const productEvents = [StockAdded, StockReserved, StockReleased] as const

export class PaymentProcessed extends Schema.TaggedClass<PaymentProcessed>()("PaymentProcessed", {
  user_id: Schema.String,
  amount: Schema.Number
}) {}
export class PaymentRefunded extends Schema.TaggedClass<PaymentRefunded>()("PaymentRefunded", {}) {}

export const paymentEvents = [PaymentProcessed, PaymentRefunded] as const
