import { Command, CommandBus, Query, QueryBus, ReadModel } from "@cello/cqrs"
import { Aggregate, Projection, Repository } from "@cello/eventsourcing"
import { Effect, Layer, Schema } from "effect"

// Write side: an event-sourced order.
class OrderPlaced extends Schema.TaggedClass<OrderPlaced>()("OrderPlaced", {
  orderId: Schema.String,
  customerId: Schema.String,
  total: Schema.Number
}) {}
class OrderShipped extends Schema.TaggedClass<OrderShipped>()("OrderShipped", { orderId: Schema.String }) {}
const Order = Aggregate.make<{ readonly status: "new" | "placed" | "shipped" }>()({
  name: "Order",
  initialState: { status: "new" },
  events: [OrderPlaced, OrderShipped],
  evolve: { OrderPlaced: () => ({ status: "placed" }), OrderShipped: () => ({ status: "shipped" }) }
})
export class OrderRejected extends Schema.TaggedError<OrderRejected>()("OrderRejected", {
  reason: Schema.String
}) {}

export const PlaceOrder = Command.make("PlaceOrder", {
  payload: { orderId: Schema.String, customerId: Schema.String, total: Schema.Number },
  success: Schema.Void,
  failure: OrderRejected
})
export const ShipOrder = Command.make("ShipOrder", {
  payload: { orderId: Schema.String },
  success: Schema.Void,
  failure: OrderRejected
})

const commandHandlers = Layer.mergeAll(
  CommandBus.handler(PlaceOrder, (order) =>
    Repository.handle(Order, order.orderId, (state) =>
      state.status === "new"
        ? [new OrderPlaced(order)]
        : Effect.fail(new OrderRejected({ reason: "already placed" }))
    ).pipe(Effect.asVoid)
  ),
  CommandBus.handler(ShipOrder, ({ orderId }) =>
    Repository.handle(Order, orderId, (state) =>
      state.status === "placed"
        ? [new OrderShipped({ orderId })]
        : Effect.fail(new OrderRejected({ reason: `order is ${state.status}` }))
    ).pipe(Effect.asVoid)
  )
)

// Read side: a typed read model, kept in sync with the events by a projection.
const OrderSummary = Schema.Struct({
  orderId: Schema.String,
  customerId: Schema.String,
  total: Schema.Number,
  status: Schema.String
})
export const Summaries = ReadModel.make({
  name: "order_summaries",
  schema: OrderSummary,
  indexes: ["status"]
})

export const summaries = Projection.make({
  name: "order-summaries",
  events: [OrderPlaced, OrderShipped],
  handlers: {
    OrderPlaced: (e) => Summaries.put(e.orderId, { ...e, status: "placed" }),
    OrderShipped: (e) =>
      Summaries.update(e.orderId, (current) => ({
        ...(current._tag === "Some" ? current.value : { orderId: e.orderId, customerId: "?", total: 0 }),
        status: "shipped"
      }))
  },
  reset: Summaries.clear
})

export const ListOrders = Query.make("ListOrders", {
  payload: { status: Schema.String },
  success: Schema.Array(OrderSummary)
})

const queryHandlers = QueryBus.handler(ListOrders, ({ status }) =>
  Summaries.list({
    where: [{ field: "status", op: "eq", value: status }],
    orderBy: [{ field: "total", direction: "desc" }]
  }).pipe(Effect.map((rows) => rows.map((row) => row.document)))
)

/** The buses with their handlers; needs an event store, a read-model store and (inline) the projection. */
export const Buses = Layer.mergeAll(
  commandHandlers.pipe(Layer.provideMerge(CommandBus.layer())),
  queryHandlers.pipe(Layer.provideMerge(QueryBus.layer()))
)

export const program = Effect.gen(function* () {
  yield* CommandBus.dispatch(PlaceOrder, { orderId: "o-1", customerId: "ann", total: 30 })
  yield* CommandBus.dispatch(PlaceOrder, { orderId: "o-2", customerId: "bob", total: 70 })
  yield* CommandBus.dispatch(ShipOrder, { orderId: "o-1" })
  const rejected = yield* Effect.flip(CommandBus.dispatch(ShipOrder, { orderId: "o-1" }))
  return {
    rejected: rejected._tag === "OrderRejected" ? rejected.reason : rejected.message,
    placed: yield* QueryBus.dispatch(ListOrders, { status: "placed" })
  }
})
// → { rejected: "order is shipped", placed: [{ orderId: "o-2", customerId: "bob", total: 70, status: "placed" }] }
