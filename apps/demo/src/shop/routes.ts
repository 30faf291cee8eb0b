/**
 * The shop's HTTP routes, as in seed 003, every one an adapter route. The seed answers shipping an
 * unknown order with 400 (a refused one 409), every refused cancellation with 400, and a placement
 * saga that failed with a 400 problem naming the failed step.
 */
import { HttpAdapter, type Problem } from "@cello/http-adapter"
import { Schema } from "effect"
import { Stored } from "../money.js"
import { CancelOrder, CreateOrder, ShipOrder } from "./commands.js"
import { type Placement, PlaceOrder } from "./placeOrderSaga.js"
import { CqrsStats, EventStats, GetOrder, Inventory, ListOrders, OrderEvents, SagaStatus } from "./queries.js"

const noPayload = () => ({})

/** `{ message, data }`: the seed's envelope around a command's result. */
const enveloped = (data: Schema.Top) => Schema.Struct({ message: Schema.String, data })

const Placed = Schema.Struct({
  message: Schema.String,
  saga_id: Schema.String,
  order_id: Schema.NullOr(Schema.String),
  payment_id: Schema.NullOr(Schema.String),
  product: Schema.String,
  quantity: Schema.Int,
  total: Stored
})

/** The seed's answer to a placement that failed: which step, and what was undone. */
const placementFailed = (placed: typeof Placement.Encoded): Problem.Problem => ({
  status: 400,
  slug: "saga-failed",
  title: "Saga failed",
  detail: placed.error ?? "Order placement failed",
  error: `Saga failed at step '${placed.failed_step ?? "unknown"}'`,
  extensions: {
    message: "All completed steps have been compensated",
    saga_id: placed.saga_id,
    saga_status: placed.status,
    step: placed.failed_step,
    compensated_steps: placed.compensated_steps
  }
})

export const adapterRoutes = [
  HttpAdapter.command(CreateOrder, {
    path: "/orders",
    status: 201,
    location: (r) => `/orders/${r.order_id}`,
    response: (_, data) => ({ message: "Order created", data }),
    responseSchema: enveloped(CreateOrder.success),
    summary: "Create an order (via the CommandBus)"
  }),
  HttpAdapter.command(ShipOrder, {
    path: "/orders/:id/ship",
    params: { id: "order_id" },
    // The seed: an unknown order is a failed command (400), a refused one is rejected (409).
    failures: { OrderNotFound: { status: 400 }, OrderRejected: { status: 409 } },
    response: (_, data) => ({ message: "Order shipped", data }),
    responseSchema: enveloped(ShipOrder.success),
    summary: "Ship an order"
  }),
  HttpAdapter.command(CancelOrder, {
    path: "/orders/:id/cancel",
    params: { id: "order_id" },
    failures: { OrderNotFound: { status: 400 }, OrderRejected: { status: 400 } },
    response: (_, data) => ({ message: "Order cancelled", data }),
    responseSchema: enveloped(CancelOrder.success),
    summary: "Cancel an order"
  }),
  HttpAdapter.command(PlaceOrder, {
    path: "/saga/place-order",
    status: 201,
    // No body at all is an empty order: the schema names each missing field.
    payload: ({ body }) => body ?? {},
    results: [
      {
        when: (placed) => placed.status !== "completed",
        status: 400,
        description: "A step failed; every completed step was compensated",
        problem: (_, placed) => placementFailed(placed)
      }
    ],
    response: (_, placed) => ({
      message: "Order placed successfully via saga",
      saga_id: placed.saga_id,
      order_id: placed.order_id,
      payment_id: placed.payment_id,
      product: placed.product,
      quantity: placed.quantity,
      total: placed.total
    }),
    responseSchema: Placed,
    summary: "Place an order via the saga"
  }),
  HttpAdapter.query(ListOrders, { path: "/orders" }),
  HttpAdapter.query(GetOrder, {
    path: "/orders/:id",
    params: { id: "order_id" },
    etag: (order) => order.version
  }),
  HttpAdapter.query(OrderEvents, { path: "/orders/:id/events", params: { id: "order_id" } }),
  HttpAdapter.query(SagaStatus, { path: "/saga/status", payload: noPayload }),
  HttpAdapter.query(EventStats, { path: "/events/stats", payload: noPayload }),
  HttpAdapter.query(CqrsStats, { path: "/cqrs/stats", payload: noPayload }),
  HttpAdapter.query(Inventory, { path: "/inventory", payload: noPayload })
] as const
