/**
 * The shop's read side over the `QueryBus` (seed 003's `GetOrderQuery`, `ListOrdersQuery`, and the
 * stats pages): orders and stock from their read models, events from the store, saga runs from the
 * saga store.
 */
import { Query, QueryBus } from "@cello/cqrs"
import { EventStore } from "@cello/eventsourcing"
import { SagaOrchestrator } from "@cello/saga"
import { Effect, Layer, Option, Schema } from "effect"
import { EventView, eventView, Id } from "../schemas.js"
import { StoreKind } from "../storeKind.js"
import * as Commands from "./commands.js"
import { initialStock } from "./inventory.js"
import { Order, OrderNotFound } from "./order.js"
import { HistoryEntry, historyEntry, PlaceOrderSaga } from "./placeOrderSaga.js"
import { Orders, OrderView, Stock } from "./readModels.js"

export class OrderEventsNotFound extends Schema.TaggedError<OrderEventsNotFound>()("OrderEventsNotFound", {
  order_id: Schema.String
}) {
  override get message(): string {
    return `No events found for ${this.order_id}`
  }
}

export const GetOrder = Query.make("GetOrder", {
  payload: { order_id: Id },
  success: OrderView,
  failure: OrderNotFound
})

export const ListOrders = Query.make("ListOrders", {
  payload: { status: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(50))) },
  success: Schema.Struct({ orders: Schema.Array(OrderView), total: Schema.Int })
})

export const OrderEvents = Query.make("OrderEvents", {
  payload: { order_id: Id },
  success: Schema.Struct({
    aggregate_id: Schema.String,
    event_count: Schema.Int,
    events: Schema.Array(EventView)
  }),
  failure: OrderEventsNotFound
})

export const SagaStatus = Query.make("SagaStatus", {
  payload: {},
  success: Schema.Struct({
    registered_sagas: Schema.Array(Schema.String),
    total_executions: Schema.Int,
    history: Schema.Array(HistoryEntry)
  })
})

export const EventStats = Query.make("EventStats", {
  payload: {},
  success: Schema.Struct({
    store_type: Schema.String,
    total_aggregates: Schema.Int,
    total_events: Schema.Int,
    aggregates: Schema.Record(
      Schema.String,
      Schema.Struct({ event_count: Schema.Int, status: Schema.String })
    ),
    /** Events of every stream (bank and stock included): the position of the newest one. */
    event_log_position: Schema.Number
  })
})

export const CqrsStats = Query.make("CqrsStats", {
  payload: {},
  success: Schema.Struct({
    command_bus: Schema.Struct({
      registered_commands: Schema.Array(Schema.String),
      description: Schema.String
    }),
    query_bus: Schema.Struct({ registered_queries: Schema.Array(Schema.String), description: Schema.String }),
    read_model_size: Schema.Int
  })
})

export const Inventory = Query.make("Inventory", {
  payload: {},
  success: Schema.Struct({
    inventory: Schema.Record(Schema.String, Schema.Int),
    total_products: Schema.Int
  })
})

export const definitions = [
  GetOrder,
  ListOrders,
  OrderEvents,
  SagaStatus,
  EventStats,
  CqrsStats,
  Inventory
] as const

const byCreation = { orderBy: [{ field: "created_at", direction: "asc" as const }] }

export const handlers = Layer.mergeAll(
  QueryBus.handler(GetOrder, ({ order_id }) =>
    Effect.flatMap(Orders.get(order_id), (found) =>
      Option.isSome(found) ? Effect.succeed(found.value) : Effect.fail(new OrderNotFound({ order_id }))
    )
  ),
  QueryBus.handler(ListOrders, ({ status }) =>
    Effect.map(
      Orders.list({
        ...byCreation,
        where: status === undefined ? [] : [{ field: "status", op: "eq", value: status }]
      }),
      (rows) => ({ orders: rows.map((row) => row.document), total: rows.length })
    )
  ),
  QueryBus.handler(OrderEvents, ({ order_id }) =>
    Effect.gen(function* () {
      const envelopes = yield* EventStore.readStream(Order.streamId(order_id)).pipe(
        Effect.catchTag("StreamNotFound", () => Effect.succeed([]))
      )
      if (envelopes.length === 0) return yield* new OrderEventsNotFound({ order_id })
      const events = yield* Effect.forEach(envelopes, (envelope) => eventView(order_id, envelope))
      return { aggregate_id: order_id, event_count: events.length, events }
    })
  ),
  QueryBus.handler(SagaStatus, () =>
    Effect.map(SagaOrchestrator.list({ name: PlaceOrderSaga.name, limit: 10_000 }), (records) => ({
      registered_sagas: [PlaceOrderSaga.name],
      total_executions: records.length,
      history: records.slice(-20).map(historyEntry)
    }))
  ),
  QueryBus.handler(EventStats, () =>
    Effect.gen(function* () {
      const rows = yield* Orders.list(byCreation)
      const aggregates: Record<string, { event_count: number; status: string }> = {}
      for (const { document } of rows)
        aggregates[document.aggregate_id] = { event_count: document.version, status: document.status }
      const head = yield* EventStore.head
      return {
        store_type: yield* StoreKind,
        total_aggregates: rows.length,
        total_events: rows.reduce((sum, row) => sum + row.document.version, 0),
        aggregates,
        event_log_position: Number(head.position)
      }
    })
  ),
  QueryBus.handler(CqrsStats, () =>
    Effect.map(Orders.count(), (size) => ({
      command_bus: {
        registered_commands: Commands.definitions.map((d) => d.name),
        description: "Handles write operations through commands"
      },
      query_bus: {
        registered_queries: definitions.map((d) => d.name),
        description: "Handles read operations through queries"
      },
      read_model_size: size
    }))
  ),
  QueryBus.handler(Inventory, () =>
    Effect.map(Stock.list(), (rows) => {
      const inventory: Record<string, number> = {}
      // The seed's products first, in its order; then any other product that has stock.
      for (const product of Object.keys(initialStock)) inventory[product] = 0
      for (const { document } of rows) inventory[document.product] = document.available
      return { inventory, total_products: Object.keys(inventory).length }
    })
  )
)
