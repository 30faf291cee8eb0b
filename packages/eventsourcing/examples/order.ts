import { Aggregate, EventSourcingConfig, Repository } from "@cello/eventsourcing"
import { MemoryEventStore, MemorySnapshotStore } from "@cello/store-memory/eventsourcing"
import { Effect, Layer, Schema } from "effect"

// Events: Schema tagged classes; the tag is the stored type name.
export class OrderCreated extends Schema.TaggedClass<OrderCreated>()("OrderCreated", {
  orderId: Schema.String,
  customerId: Schema.String,
  items: Schema.Array(Schema.String)
}) {}
export class OrderShipped extends Schema.TaggedClass<OrderShipped>()("OrderShipped", {
  orderId: Schema.String,
  trackingNumber: Schema.String
}) {}
export class OrderCancelled extends Schema.TaggedClass<OrderCancelled>()("OrderCancelled", {
  orderId: Schema.String,
  reason: Schema.String
}) {}

// State, with a schema so snapshots can store it.
const OrderState = Schema.Struct({
  status: Schema.Literals(["none", "created", "shipped", "cancelled"]),
  items: Schema.Array(Schema.String),
  trackingNumber: Schema.optionalKey(Schema.String)
})
type OrderState = typeof OrderState.Type

export const Order = Aggregate.make<OrderState>()({
  name: "Order",
  initialState: { status: "none", items: [] },
  events: [OrderCreated, OrderShipped, OrderCancelled],
  // One handler per event: leaving one out does not compile.
  evolve: {
    OrderCreated: (state, e) => ({ ...state, status: "created", items: e.items }),
    OrderShipped: (state, e) => ({ ...state, status: "shipped", trackingNumber: e.trackingNumber }),
    OrderCancelled: (state) => ({ ...state, status: "cancelled" })
  },
  snapshot: { schema: OrderState, version: 1 }
})

// Domain errors and decisions: plain functions from state to events.
export class OrderError extends Schema.TaggedError<OrderError>()("OrderError", { reason: Schema.String }) {}

export const create =
  (orderId: string, customerId: string, items: ReadonlyArray<string>) => (state: OrderState) =>
    state.status !== "none"
      ? Effect.fail(new OrderError({ reason: `order ${orderId} already exists` }))
      : items.length === 0
        ? Effect.fail(new OrderError({ reason: "an order needs at least one item" }))
        : Effect.succeed([new OrderCreated({ orderId, customerId, items })])

export const ship = (orderId: string, trackingNumber: string) => (state: OrderState) =>
  state.status === "created"
    ? Effect.succeed([new OrderShipped({ orderId, trackingNumber })])
    : Effect.fail(new OrderError({ reason: `cannot ship an order that is ${state.status}` }))

export const cancel = (orderId: string, reason: string) => (state: OrderState) =>
  state.status === "created"
    ? Effect.succeed([new OrderCancelled({ orderId, reason })])
    : Effect.fail(new OrderError({ reason: `cannot cancel an order that is ${state.status}` }))

export const program = Effect.gen(function* () {
  yield* Repository.handle(Order, "o-1", create("o-1", "c-7", ["Widget", "Gadget"]))
  const shipped = yield* Repository.handle(Order, "o-1", ship("o-1", "TRACK-42"))
  const refused = yield* Repository.handle(Order, "o-1", ship("o-1", "TRACK-43")).pipe(
    Effect.map(() => "accepted"),
    Effect.catchTag("OrderError", (e) => Effect.succeed(e.reason))
  )
  return { status: shipped.state.status, version: shipped.version, refused }
})

// Compose the layers: a store (here in memory) and the settings (seed defaults unless given).
export const AppLayer = Layer.mergeAll(
  MemoryEventStore.layer,
  MemorySnapshotStore.layer,
  EventSourcingConfig.layer({ snapshotInterval: 100 })
)

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program.pipe(Effect.provide(AppLayer))).then(console.log)
  // → { status: 'shipped', version: 2, refused: 'cannot ship an order that is shipped' }
}
