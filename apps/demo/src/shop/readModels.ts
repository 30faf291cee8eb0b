/** The shop's read models (orders, stock levels), kept by inline projections. */
import { ReadModel } from "@cello/cqrs"
import { Projection } from "@cello/eventsourcing"
import { Option, Schema } from "effect"
import { Rounded } from "../money.js"
import { epochSeconds, idOf } from "../schemas.js"
import {
  OrderCancelled,
  OrderConfirmed,
  OrderCreatedType,
  OrderDelivered,
  OrderShipped,
  StockAdded,
  StockReleased,
  StockReserved
} from "./events.js"

/** The seed's `OrderAggregate.to_dict()`. */
export const OrderView = Schema.Struct({
  aggregate_id: Schema.String,
  user_id: Schema.String,
  product: Schema.String,
  quantity: Schema.Int,
  price: Rounded,
  total: Rounded,
  status: Schema.String,
  tracking_number: Schema.NullOr(Schema.String),
  cancelled_reason: Schema.NullOr(Schema.String),
  version: Schema.Int,
  created_at: Schema.Number
})
export type OrderView = typeof OrderView.Type

export const Orders = ReadModel.make({
  name: "shop_orders",
  schema: OrderView,
  indexes: ["status", "created_at"]
})

const change = (id: string, version: number, f: (view: OrderView) => OrderView) =>
  Orders.update(id, (current) =>
    Option.match(current, {
      // Every order stream starts with OrderCreated, whose handler puts the view first.
      onNone: () =>
        f({
          aggregate_id: id,
          user_id: "",
          product: "",
          quantity: 0,
          price: 0,
          total: 0,
          status: "unknown",
          tracking_number: null,
          cancelled_reason: null,
          version,
          created_at: 0
        }),
      onSome: (view) => ({ ...f(view), version })
    })
  )

export const ordersProjection = Projection.make({
  name: "shop-orders",
  events: [OrderCreatedType, OrderConfirmed, OrderShipped, OrderDelivered, OrderCancelled],
  handlers: {
    OrderCreated: (e, envelope) => {
      const id = idOf("Order", envelope)
      return Orders.put(id, {
        aggregate_id: id,
        user_id: e.user_id,
        product: e.product,
        quantity: e.quantity,
        price: e.price,
        total: e.price * e.quantity,
        status: "created",
        tracking_number: null,
        cancelled_reason: null,
        version: envelope.streamVersion,
        created_at: epochSeconds(envelope.timestamp)
      })
    },
    OrderConfirmed: (_, envelope) =>
      change(idOf("Order", envelope), envelope.streamVersion, (v) => ({ ...v, status: "confirmed" })),
    OrderShipped: (e, envelope) =>
      change(idOf("Order", envelope), envelope.streamVersion, (v) => ({
        ...v,
        status: "shipped",
        tracking_number: e.tracking_number
      })),
    OrderDelivered: (_, envelope) =>
      change(idOf("Order", envelope), envelope.streamVersion, (v) => ({ ...v, status: "delivered" })),
    OrderCancelled: (e, envelope) =>
      change(idOf("Order", envelope), envelope.streamVersion, (v) => ({
        ...v,
        status: "cancelled",
        cancelled_reason: e.reason
      }))
  },
  reset: Orders.clear
})

export const StockView = Schema.Struct({ product: Schema.String, available: Schema.Int })

export const Stock = ReadModel.make({ name: "shop_inventory", schema: StockView })

const moveStock = (product: string, delta: number) =>
  Stock.update(product, (current) => ({
    product,
    available: Option.match(current, { onNone: () => 0, onSome: (v) => v.available }) + delta
  }))

export const stockProjection = Projection.make({
  name: "shop-inventory",
  events: [StockAdded, StockReserved, StockReleased],
  handlers: {
    StockAdded: (e, envelope) => moveStock(idOf("Product", envelope), e.quantity),
    StockReserved: (e, envelope) => moveStock(idOf("Product", envelope), -e.quantity),
    StockReleased: (e, envelope) => moveStock(idOf("Product", envelope), e.quantity)
  },
  reset: Stock.clear
})
