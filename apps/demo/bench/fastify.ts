/**
 * A baseline: a bare fastify server doing the demo's in-memory work for the benchmarked routes
 * (`orderWork.ts`), the body checked by fastify's JSON schema.
 */
import Fastify from "fastify"
import { createOrder, getOrder, type Order } from "./orderWork.js"

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
    const answer = createOrder({
      user_id: request.body.user_id ?? "anonymous",
      product: request.body.product ?? "Unknown",
      quantity: request.body.quantity ?? 1,
      price: request.body.price ?? 0
    })
    return reply.code(answer.status).headers(answer.headers).send(answer.body)
  }
)

app.get<{ Params: { id: string } }>("/orders/:id", async (request, reply) => {
  const answer = getOrder(request.params.id)
  return reply.code(answer.status).headers(answer.headers).send(answer.body)
})

const port = Number(process.env.PORT ?? "8001")
app.listen({ host: "127.0.0.1", port }).then(() => console.log(`fastify on http://127.0.0.1:${port}`))
