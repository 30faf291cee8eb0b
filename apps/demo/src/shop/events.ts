/**
 * The shop's events (seed 003), snake_case as the event history shows them. Prices and payments are
 * exact money (see `../money.ts`); their version-1 payloads held floats and are upcast on read.
 */
import { EventType } from "@cello/eventsourcing"
import { Schema } from "effect"
import { roundToCents, Stored } from "../money.js"

export class OrderCreated extends Schema.TaggedClass<OrderCreated>()("OrderCreated", {
  user_id: Schema.String,
  product: Schema.String,
  quantity: Schema.Int,
  price: Stored
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

export const OrderCreatedType = EventType.make(OrderCreated, {
  version: 2,
  upcasters: { 1: roundToCents(["price"]) }
})

export const orderEvents = [
  OrderCreatedType,
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
  amount: Stored
}) {}
export class PaymentRefunded extends Schema.TaggedClass<PaymentRefunded>()("PaymentRefunded", {}) {}

export const PaymentProcessedType = EventType.make(PaymentProcessed, {
  version: 2,
  upcasters: { 1: roundToCents(["amount"]) }
})

export const paymentEvents = [PaymentProcessedType, PaymentRefunded] as const
