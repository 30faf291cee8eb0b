import { Command, CommandBus, Query, QueryBus } from "@cello/cqrs"
import { Aggregate, ConcurrencyError, Repository } from "@cello/eventsourcing"
import { HttpAdapter } from "@cello/http-adapter"
import { MemoryStore } from "@cello/store-memory"
import { NodeRuntime } from "@effect/platform-node-shared"
import { Effect, Layer, Option, Schema } from "effect"

// An event-sourced order.
class OrderPlaced extends Schema.TaggedClass<OrderPlaced>()("OrderPlaced", {
  orderId: Schema.String,
  items: Schema.Array(Schema.String)
}) {}
class OrderShipped extends Schema.TaggedClass<OrderShipped>()("OrderShipped", { orderId: Schema.String }) {}
const Order = Aggregate.make<{
  readonly status: "none" | "placed" | "shipped"
  readonly items: ReadonlyArray<string>
}>()({
  name: "Order",
  initialState: { status: "none", items: [] },
  events: [OrderPlaced, OrderShipped],
  evolve: {
    OrderPlaced: (_, e) => ({ status: "placed", items: e.items }),
    OrderShipped: (state) => ({ ...state, status: "shipped" })
  }
})

export class OrderRejected extends Schema.TaggedError<OrderRejected>()("OrderRejected", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

// Commands and queries: their schemas decode the HTTP input and document it at /openapi.json.
const Placed = Schema.Struct({ orderId: Schema.String, version: Schema.Int })
export const PlaceOrder = Command.make("PlaceOrder", {
  payload: { items: Schema.Array(Schema.NonEmptyString).check(Schema.isMinLength(1)) },
  success: Placed,
  failure: OrderRejected
})
export const ShipOrder = Command.make("ShipOrder", {
  payload: { orderId: Schema.String, expectedVersion: Schema.optional(Schema.Int) },
  success: Placed,
  failure: Schema.Union([OrderRejected, ConcurrencyError])
})
const OrderView = Schema.Struct({ orderId: Schema.String, status: Schema.String, version: Schema.Int })
export const GetOrder = Query.make("GetOrder", {
  payload: { orderId: Schema.String },
  success: Schema.Option(OrderView)
})

const commandHandlers = Layer.mergeAll(
  CommandBus.handler(PlaceOrder, ({ items }) => {
    const orderId = crypto.randomUUID()
    return Repository.handle(Order, orderId, () => [new OrderPlaced({ orderId, items })]).pipe(
      Effect.map((saved) => ({ orderId, version: saved.version }))
    )
  }),
  CommandBus.handler(ShipOrder, ({ orderId, expectedVersion }) =>
    Effect.gen(function* () {
      const order = yield* Repository.load(Order, orderId)
      // If-Match: "<version>" arrives as expectedVersion: a stale one is a 412.
      if (expectedVersion !== undefined && expectedVersion !== order.version)
        return yield* new ConcurrencyError({
          streamId: order.streamId,
          expected: expectedVersion,
          actual: order.version
        })
      if (order.state.status !== "placed")
        return yield* new OrderRejected({ reason: `order is ${order.state.status}` })
      const saved = yield* Repository.save(Order, order, [new OrderShipped({ orderId })])
      return { orderId, version: saved.version }
    })
  )
)
const queryHandler = QueryBus.handler(GetOrder, ({ orderId }) =>
  Effect.map(Repository.load(Order, orderId), (order) =>
    order.version === 0
      ? Option.none()
      : Option.some({ orderId, status: order.state.status, version: order.version })
  )
)
const Buses = Layer.mergeAll(
  commandHandlers.pipe(Layer.provideMerge(CommandBus.layer())),
  queryHandler.pipe(Layer.provideMerge(QueryBus.layer()))
)

// Routes: 201 + Location on creation, If-Match → expected version, ETag from the view's version.
export const Routes = HttpAdapter.make({
  title: "Orders",
  routes: [
    HttpAdapter.command(PlaceOrder, {
      path: "/orders",
      status: 201,
      location: (r) => `/orders/${r.orderId}`
    }),
    HttpAdapter.command(ShipOrder, {
      path: "/orders/:id/ship",
      payload: ({ params, expectedVersion }) => ({ orderId: params.id, expectedVersion }),
      etag: (r) => r.version
    }),
    HttpAdapter.query(GetOrder, {
      path: "/orders/:id",
      payload: ({ params }) => ({ orderId: params.id }),
      etag: (view) => view.version
    })
  ]
})

/** The app on the memory store (whose EventStore also feeds the /health/ready check). */
export const App = Routes.pipe(Layer.provide(Buses), Layer.provideMerge(MemoryStore.layer))

if (import.meta.url === `file://${process.argv[1]}`) {
  // HOST, PORT and CELLO_HTTP_BODY_LIMIT from the environment (default 127.0.0.1:8000, 1 MiB).
  NodeRuntime.runMain(Layer.launch(HttpAdapter.serve(App)))
  // curl -i -X POST localhost:8000/orders -H 'content-type: application/json' -d '{"items":["Widget"]}'
  // → 201 Created, Location: /orders/<id>
}
