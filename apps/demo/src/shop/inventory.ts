/**
 * Stock per product, event-sourced (so a restart on PostgreSQL keeps what was reserved): the seed's
 * Widget 100, Gadget 50, Gizmo 25 are added once, when the product's stream is still empty.
 */
import { Aggregate, Repository } from "@cello/eventsourcing"
import { Effect, Schema } from "effect"
import { productEvents, StockAdded, StockReleased, StockReserved } from "./events.js"

export const initialStock: Readonly<Record<string, number>> = { Widget: 100, Gadget: 50, Gizmo: 25 }

const ProductState = Schema.Struct({ known: Schema.Boolean, available: Schema.Int })
type ProductState = typeof ProductState.Type

export const Product = Aggregate.make<ProductState>()({
  name: "Product",
  initialState: { known: false, available: 0 },
  events: productEvents,
  evolve: {
    StockAdded: (s, e) => ({ known: true, available: s.available + e.quantity }),
    StockReserved: (s, e) => ({ ...s, available: s.available - e.quantity }),
    StockReleased: (s, e) => ({ ...s, available: s.available + e.quantity })
  },
  snapshot: { schema: ProductState, version: 1 }
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
      : state.available < quantity
        ? Effect.fail(new InsufficientStock({ product, requested: quantity, available: state.available }))
        : Effect.succeed([new StockReserved({ quantity, reservation })])

export const release = (quantity: number, reservation: string) => (state: ProductState) =>
  state.known ? [new StockReleased({ quantity, reservation })] : []

/** Adds the seed's stock to every product whose stream is empty (so a restart adds nothing). */
export const seed = Effect.forEach(
  Object.entries(initialStock),
  ([product, quantity]) =>
    Repository.handle(Product, product, (state) => (state.known ? [] : [new StockAdded({ quantity })])),
  { discard: true }
)
