/**
 * The baseline: a bare fastify server doing the demo's in-memory work for the two benchmarked
 * routes — validate the body (fastify's JSON schema), append an `OrderCreated` event to an in-memory
 * log, update an in-memory read model, answer the same JSON; read the view back by id.
 */
import { randomUUID } from "node:crypto"
import Fastify from "fastify"

interface Order {
  readonly user_id: string
  readonly product: string
  readonly quantity: number
  readonly price: number
}

const streams = new Map<
  string,
  Array<{ readonly type: string; readonly data: Order; readonly version: number }>
>()
const views = new Map<string, Record<string, unknown>>()

const app = Fastify({ logger: false })

app.post<{ Body: Partial<Order> }>(
  "/orders",
  {
    schema: {
      body: {
        type: "object",
        properties: {
          user_id: { type: "string", minLength: 1, maxLength: 200 },
          product: { type: "string", minLength: 1, maxLength: 200 },
          quantity: { type: "integer", minimum: 1 },
          price: { type: "number", minimum: 0 }
        }
      }
    }
  },
  async (request, reply) => {
    const order: Order = {
      user_id: request.body.user_id ?? "anonymous",
      product: request.body.product ?? "Unknown",
      quantity: request.body.quantity ?? 1,
      price: request.body.price ?? 0
    }
    const id = `order-${randomUUID().replace(/-/g, "").slice(0, 8)}`
    if (streams.has(id)) return reply.code(409).send({ error: "Order already exists" })
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
    return reply
      .code(201)
      .header("location", `/orders/${id}`)
      .send({
        message: "Order created",
        data: { order_id: id, status: "created", product: order.product, quantity: order.quantity, total }
      })
  }
)

app.get<{ Params: { id: string } }>("/orders/:id", async (request, reply) => {
  const view = views.get(request.params.id)
  if (view === undefined) return reply.code(404).send({ error: `Order ${request.params.id} not found` })
  return reply.header("etag", `"${String(view.version)}"`).send(view)
})

const port = Number(process.env.PORT ?? "8001")
app.listen({ host: "127.0.0.1", port }).then(() => console.log(`fastify on http://127.0.0.1:${port}`))
