/**
 * The shop's HTTP routes, as in seed 003. Creating an order and every read go through
 * `HttpAdapter.command/query`; shipping (404/409 in the adapter, 400/409 in the seed), cancelling
 * (400 for every rejection) and the placement saga (201, or 400 naming the failed step) are the
 * demo's own routes.
 */
import { HttpAdapter } from "@cello/http-adapter"
import * as Routes from "../http/routes.js"
import { CancelOrder, CreateOrder, ShipOrder } from "./commands.js"
import { PlaceOrder } from "./placeOrderSaga.js"
import { CqrsStats, EventStats, GetOrder, Inventory, ListOrders, OrderEvents, SagaStatus } from "./queries.js"

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const noPayload = () => ({})

export const adapterRoutes = [
  HttpAdapter.command(CreateOrder, {
    path: "/orders",
    status: 201,
    location: (r) => `/orders/${r.order_id}`,
    response: (_, data) => ({ message: "Order created", data }),
    summary: "Create an order (via the CommandBus)"
  }),
  HttpAdapter.query(ListOrders, { path: "/orders" }),
  HttpAdapter.query(GetOrder, {
    path: "/orders/:id",
    payload: ({ params }) => ({ order_id: params.id }),
    etag: (order) => order.version
  }),
  HttpAdapter.query(OrderEvents, {
    path: "/orders/:id/events",
    payload: ({ params }) => ({ order_id: params.id })
  }),
  HttpAdapter.query(SagaStatus, { path: "/saga/status", payload: noPayload }),
  HttpAdapter.query(EventStats, { path: "/events/stats", payload: noPayload }),
  HttpAdapter.query(CqrsStats, { path: "/cqrs/stats", payload: noPayload }),
  HttpAdapter.query(Inventory, { path: "/inventory", payload: noPayload })
] as const

export const demoRoutes = [
  Routes.command(ShipOrder, {
    path: "/orders/:id/ship",
    input: ({ params }) => ({ order_id: params.id }),
    // The seed: an unknown order is a failed command (400), a refused one is rejected (409).
    failureStatus: (failure) => (failure._tag === "OrderNotFound" ? 400 : 409),
    respond: (data) => Routes.json({ message: "Order shipped", data })
  }),
  Routes.command(CancelOrder, {
    path: "/orders/:id/cancel",
    input: ({ params, body }) =>
      isObject(body) ? { ...body, order_id: params.id } : { order_id: params.id },
    failureStatus: () => 400,
    respond: (data) => Routes.json({ message: "Order cancelled", data })
  }),
  Routes.command(PlaceOrder, {
    path: "/saga/place-order",
    input: ({ body }) => body ?? {},
    failureStatus: () => 400,
    respond: (placed) =>
      placed.status === "completed"
        ? Routes.json(
            {
              message: "Order placed successfully via saga",
              saga_id: placed.saga_id,
              order_id: placed.order_id,
              payment_id: placed.payment_id,
              product: placed.product,
              quantity: placed.quantity,
              total: placed.total
            },
            201
          )
        : Routes.problem(
            400,
            "SagaFailed",
            placed.error ?? "Order placement failed",
            {
              message: "All completed steps have been compensated",
              saga_id: placed.saga_id,
              saga_status: placed.status,
              step: placed.failed_step,
              compensated_steps: placed.compensated_steps
            },
            `Saga failed at step '${placed.failed_step ?? "unknown"}'`
          )
  })
] as const
