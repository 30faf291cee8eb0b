/** The order-summaries read model and async projection the projection tests share. */
import { Projection, Repository } from "@cello/eventsourcing"
import { MemoryStore } from "@cello/store-memory"
import { Context, Effect, Layer, Ref, Schema } from "effect"
import { create, Order, OrderCancelled, OrderCreated, OrderShipped } from "../examples/order.js"

/** A read model: order id → status, plus how many times each event was applied. */
export class Summaries extends Context.Service<
  Summaries,
  { readonly rows: Ref.Ref<ReadonlyMap<string, string>>; readonly applied: Ref.Ref<number> }
>()("test/Summaries") {
  static readonly layer = Layer.effect(
    Summaries,
    Effect.all({ rows: Ref.make<ReadonlyMap<string, string>>(new Map()), applied: Ref.make(0) })
  )
}

export class Boom extends Schema.TaggedError<Boom>()("Boom", { orderId: Schema.String }) {}

const setStatus = (orderId: string, status: string) =>
  Effect.gen(function* () {
    const { rows, applied } = yield* Summaries
    yield* Ref.update(rows, (m) => new Map(m).set(orderId, status))
    yield* Ref.update(applied, (n) => n + 1)
  })

export const summaries = (options: { readonly failOn?: string } = {}) =>
  Projection.make({
    name: "order-summaries",
    events: [OrderCreated, OrderShipped, OrderCancelled],
    handlers: {
      OrderCreated: (e) =>
        Effect.gen(function* () {
          if (e.orderId === options.failOn) return yield* new Boom({ orderId: e.orderId })
          yield* setStatus(e.orderId, "created")
        }),
      OrderShipped: (e) => setStatus(e.orderId, "shipped"),
      OrderCancelled: (e) => setStatus(e.orderId, "cancelled")
    },
    reset: Summaries.use(({ rows }) => Ref.set(rows, new Map()))
  })

export const rows = Summaries.use(({ rows }) => Ref.get(rows))
export const applied = Summaries.use(({ applied }) => Ref.get(applied))
export const Base = Layer.mergeAll(MemoryStore.layer, Summaries.layer)
export const placeOrders = (ids: ReadonlyArray<string>) =>
  Effect.forEach(ids, (id) => Repository.handle(Order, id, create(id, "c", ["Widget"])), { discard: true })
