/**
 * The shop's write side (seed 003's `CreateOrderCommand`, `ShipOrderCommand`, `CancelOrderCommand`,
 * plus what the placement saga's steps do): definitions and handlers on the `CommandBus`.
 */
import { Command, CommandBus } from "@cello/cqrs"
import { Repository } from "@cello/eventsourcing"
import { Config, Duration, Effect, Layer, Schema } from "effect"
import { type Cents, Price, Stored } from "../money.js"
import { FreeText, Id, Text, withFreshId } from "../schemas.js"
import * as Inventory from "./inventory.js"
import * as Order from "./order.js"
import * as Payment from "./payment.js"

const withDefault = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  value: S["Encoded"]
) => schema.pipe(Schema.withDecodingDefaultKey(Effect.succeed(value)))

/** The seed's defaults for a missing member: anonymous user, product "Unknown", 1 item, price 0. */
export const OrderInput = {
  user_id: withDefault(Text, "anonymous"),
  product: withDefault(Text, "Unknown"),
  quantity: withDefault(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1_000_000 })), 1),
  price: withDefault(Price, 0)
}

export const CreateOrder = Command.make("CreateOrder", {
  payload: OrderInput,
  success: Schema.Struct({
    order_id: Schema.String,
    status: Schema.String,
    product: Schema.String,
    quantity: Schema.Int,
    total: Stored
  })
})

/**
 * An order under an id its sender chose and alone uses (the placement saga's, derived from the saga
 * id): sent again, it creates the order once. Not routed: HTTP clients get ids from `CreateOrder`.
 */
export const CreateOrderWithId = Command.make("CreateOrderWithId", {
  payload: { order_id: Id, ...OrderInput },
  success: Schema.Void
})

export const ShipOrder = Command.make("ShipOrder", {
  payload: { order_id: Id },
  success: Schema.Struct({ order_id: Schema.String, status: Schema.String, tracking_number: Schema.String }),
  failure: Schema.Union([Order.OrderNotFound, Order.OrderRejected])
})

export const CancelOrder = Command.make("CancelOrder", {
  payload: { order_id: Id, reason: withDefault(FreeText, "Cancelled by user") },
  success: Schema.Struct({ order_id: Schema.String, status: Schema.String, reason: Schema.String }),
  failure: Schema.Union([Order.OrderNotFound, Order.OrderRejected])
})

export const ConfirmOrder = Command.make("ConfirmOrder", {
  payload: { order_id: Id, payment_id: Id },
  success: Schema.Void,
  failure: Schema.Union([Order.OrderNotFound, Order.OrderRejected])
})

export const ReserveStock = Command.make("ReserveStock", {
  payload: { product: Text, quantity: Schema.Int, reservation: Id },
  success: Schema.Void,
  failure: Schema.Union([Inventory.ProductNotFound, Inventory.InsufficientStock])
})

export const ReleaseStock = Command.make("ReleaseStock", {
  payload: { product: Text, quantity: Schema.Int, reservation: Id },
  success: Schema.Void
})

export const ProcessPayment = Command.make("ProcessPayment", {
  payload: { payment_id: Id, user_id: Text, amount: Stored },
  success: Schema.Void
})

export const RefundPayment = Command.make("RefundPayment", {
  payload: { payment_id: Id },
  success: Schema.Void
})

export const definitions = [
  CreateOrder,
  CreateOrderWithId,
  ShipOrder,
  CancelOrder,
  ConfirmOrder,
  ReserveStock,
  ReleaseStock,
  ProcessPayment,
  RefundPayment
] as const

/**
 * How long the (mock) payment gateway takes to answer, `CELLO_DEMO_PAYMENT_LATENCY` (default none):
 * a real gateway's seconds make sagas that a crash leaves in flight, as the multi-instance tests need.
 */
const gatewayLatency = Config.Duration("CELLO_DEMO_PAYMENT_LATENCY").pipe(Config.withDefault(Duration.zero))

/** An order's total in cents: exact, since a price and a quantity are bounded (at most 10^14 cents). */
export const totalOf = (order: { readonly price: Cents; readonly quantity: number }): Cents =>
  order.price * order.quantity

const trackingNumber = () => `TRK-${crypto.randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`

export const handlers = Layer.mergeAll(
  CommandBus.handler(CreateOrder, (order) =>
    withFreshId(
      "order",
      (id) =>
        Effect.as(Repository.create(Order.Order, id, Order.create(order)), {
          order_id: id,
          status: "created",
          product: order.product,
          quantity: order.quantity,
          total: totalOf(order)
        }),
      (error) => error instanceof Order.OrderRejected && error.reason === Order.alreadyExists
    )
  ),
  CommandBus.handler(CreateOrderWithId, ({ order_id, ...order }) =>
    Effect.asVoid(Repository.create(Order.Order, order_id, Order.createOnce(order)))
  ),
  CommandBus.handler(ShipOrder, ({ order_id }) =>
    Effect.gen(function* () {
      const saved = yield* Repository.handle(Order.Order, order_id, Order.ship(order_id, trackingNumber()))
      return { order_id, status: "shipped", tracking_number: saved.state.tracking_number ?? "" }
    })
  ),
  CommandBus.handler(CancelOrder, ({ order_id, reason }) =>
    Effect.as(Repository.handle(Order.Order, order_id, Order.cancel(order_id, reason)), {
      order_id,
      status: "cancelled",
      reason
    })
  ),
  CommandBus.handler(ConfirmOrder, ({ order_id, payment_id }) =>
    Effect.asVoid(Repository.handle(Order.Order, order_id, Order.confirm(order_id, payment_id)))
  ),
  CommandBus.handler(ReserveStock, ({ product, quantity, reservation }) =>
    Effect.asVoid(
      Repository.handle(Inventory.Product, product, Inventory.reserve(product, quantity, reservation))
    )
  ),
  CommandBus.handler(ReleaseStock, ({ product, reservation }) =>
    Effect.asVoid(Repository.handle(Inventory.Product, product, Inventory.release(reservation)))
  ),
  Layer.unwrap(
    Effect.map(gatewayLatency, (latency) =>
      CommandBus.handler(ProcessPayment, ({ payment_id, user_id, amount }) =>
        Effect.andThen(
          Effect.sleep(latency),
          Effect.asVoid(Repository.handle(Payment.Payment, payment_id, Payment.charge(user_id, amount)))
        )
      )
    )
  ),
  CommandBus.handler(RefundPayment, ({ payment_id }) =>
    Effect.asVoid(Repository.handle(Payment.Payment, payment_id, Payment.refund))
  )
)
