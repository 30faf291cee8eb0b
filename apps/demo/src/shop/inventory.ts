/**
 * Stock per product, event-sourced (so a restart on PostgreSQL keeps what was reserved): the seed's
 * Widget 100, Gadget 50, Gizmo 25 are added once, when the product's stream is still empty.
 */
import { Aggregate, Repository } from "@cello/eventsourcing"
import { Effect, Schema } from "effect"
import { productEvents, StockAdded, StockReleased, StockReserved } from "./events.js"

export const initialStock: Readonly<Record<string, number>> = { Widget: 100, Gadget: 50, Gizmo: 25 }

const ProductState = Schema.Struct({
  known: Schema.Boolean,
  available: Schema.Int,
  /** Reservations held now, by id: a saga step run again after a crash reserves or releases once. */
  reserved: Schema.Record(Schema.String, Schema.Int)
})
type ProductState = typeof ProductState.Type

const without = (reserved: ProductState["reserved"], id: string): ProductState["reserved"] =>
  Object.fromEntries(Object.entries(reserved).filter(([key]) => key !== id))

export const Product = Aggregate.make<ProductState>()({
  name: "Product",
  initialState: { known: false, available: 0, reserved: {} },
  events: productEvents,
  evolve: {
    StockAdded: (s, e) => ({ ...s, known: true, available: s.available + e.quantity }),
    StockReserved: (s, e) => ({
      ...s,
      available: s.available - e.quantity,
      reserved: { ...s.reserved, [e.reservation]: e.quantity }
    }),
    StockReleased: (s, e) => ({
      ...s,
      available: s.available + e.quantity,
      reserved: without(s.reserved, e.reservation)
    })
  },
  // Version 2 added `reserved`: older snapshots are ignored and the stream replayed.
  snapshot: { schema: ProductState, version: 2 }
})

export class ProductNotFound extends Schema.TaggedError<ProductNotFound>()("ProductNotFound", {
  product: Schema.String
}) {
  override get message(): string {
    return `Product '${this.product}' not found`
  }
}

export class InsufficientStock extends Schema.TaggedError<InsufficientStock>()("InsufficientStock", {
  product: Schema.String,
  requested: Schema.Int,
  available: Schema.Int
}) {
  override get message(): string {
    return `Insufficient stock for '${this.product}': requested ${this.requested}, available ${this.available}`
  }
}

export const reserve =
  (product: string, quantity: number, reservation: string) =>
  (state: ProductState): Effect.Effect<ReadonlyArray<StockReserved>, ProductNotFound | InsufficientStock> =>
    !state.known
      ? Effect.fail(new ProductNotFound({ product }))
      : state.reserved[reservation] !== undefined
        ? Effect.succeed([])
        : state.available < quantity
          ? Effect.fail(new InsufficientStock({ product, requested: quantity, available: state.available }))
          : Effect.succeed([new StockReserved({ quantity, reservation })])

/** Releases what the reservation holds; nothing when it holds nothing (never made, or released). */
export const release = (reservation: string) => (state: ProductState) => {
  const quantity = state.reserved[reservation]
  return quantity === undefined ? [] : [new StockReleased({ quantity, reservation })]
}

/** Adds the seed's stock to every product whose stream is empty (so a restart adds nothing). */
export const seed = Effect.forEach(
  Object.entries(initialStock),
  ([product, quantity]) =>
    Repository.handle(Product, product, (state) => (state.known ? [] : [new StockAdded({ quantity })])),
  { discard: true }
)
