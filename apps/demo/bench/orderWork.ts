/**
 * The in-memory work both baseline servers do for the two benchmarked routes, the same the demo does
 * on its memory store: check the body, append an `OrderCreated` event to a stream that must not exist
 * yet, update the order's view, answer the demo's JSON; read the view back by id.
 */
import { randomUUID } from "node:crypto"

export interface Order {
  readonly user_id: string
  readonly product: string
  readonly quantity: number
  readonly price: number
}

export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

const streams = new Map<
  string,
  Array<{ readonly type: string; readonly data: Order; readonly version: number }>
>()
const views = new Map<string, Record<string, unknown>>()

const text = (value: unknown) => typeof value === "string" && value.length >= 1 && value.length <= 200

/** The body's checks by hand (node:http has no validator): the demo's schema, with its defaults. */
export const checkOrder = (body: unknown): Order | string => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "the body must be an object"
  const field = (name: keyof Order): unknown => Reflect.get(body, name)
  const [user_id, product, quantity, price] = [
    field("user_id"),
    field("product"),
    field("quantity"),
    field("price")
  ]
  if (user_id !== undefined && !text(user_id)) return "user_id"
  if (product !== undefined && !text(product)) return "product"
  if (quantity !== undefined && !(Number.isInteger(quantity) && Number(quantity) >= 1)) return "quantity"
  if (price !== undefined && !(typeof price === "number" && Number.isFinite(price) && price >= 0))
    return "price"
  return {
    user_id: typeof user_id === "string" ? user_id : "anonymous",
    product: typeof product === "string" ? product : "Unknown",
    quantity: typeof quantity === "number" ? quantity : 1,
    price: typeof price === "number" ? price : 0
  }
}

export const createOrder = (order: Order): Answer => {
  let id = `order-${randomUUID().replace(/-/g, "").slice(0, 8)}`
  // As the demo does: a taken id is drawn again (8 hex digits collide within a long run).
  while (streams.has(id)) id = `order-${randomUUID().replace(/-/g, "").slice(0, 8)}`
  streams.set(id, [{ type: "OrderCreated", data: order, version: 1 }])
  const total = Math.round(order.price * order.quantity * 100) / 100
  views.set(id, {
    aggregate_id: id,
    ...order,
    total,
    status: "created",
    tracking_number: null,
    cancelled_reason: null,
    version: 1
  })
  return {
    status: 201,
    headers: { location: `/orders/${id}` },
    body: {
      message: "Order created",
      data: { order_id: id, status: "created", product: order.product, quantity: order.quantity, total }
    }
  }
}

export const getOrder = (id: string): Answer => {
  const view = views.get(id)
  return view === undefined
    ? { status: 404, headers: {}, body: { error: `Order ${id} not found` } }
    : { status: 200, headers: { etag: `"${String(view.version)}"` }, body: view }
}
