/**
 * The PostgreSQL baseline: fastify + `pg` doing the writes the demo does for `POST /orders` on
 * PostgreSQL, in one transaction: check the stream's version (a new order's stream must be empty),
 * insert the event row, upsert the order's view. Its own tables in the schema `BENCH_PG_SCHEMA`.
 */
import { randomUUID } from "node:crypto"
import Fastify from "fastify"
import pg from "pg"
import type { Order } from "./orderWork.js"

const schema = process.env.BENCH_PG_SCHEMA ?? "cello_bench_fastify"
const pool = new pg.Pool({
  connectionString: process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  // The demo's pool size (`CELLO_DATABASE_POOL_SIZE`, default 20).
  max: 20
})

await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
await pool.query(`CREATE TABLE IF NOT EXISTS "${schema}".events (
  position bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  stream_id text NOT NULL,
  stream_version integer NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version)
)`)
await pool.query(`CREATE TABLE IF NOT EXISTS "${schema}".order_views (
  id text PRIMARY KEY,
  doc jsonb NOT NULL,
  version integer NOT NULL
)`)

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
    const total = Math.round(order.price * order.quantity * 100) / 100
    const client = await pool.connect()
    try {
      await client.query("BEGIN")
      const { rows } = await client.query<{ version: number }>(
        `SELECT coalesce(max(stream_version), 0)::int AS version FROM "${schema}".events WHERE stream_id = $1`,
        [id]
      )
      if ((rows[0]?.version ?? 0) !== 0) {
        await client.query("ROLLBACK")
        return reply.code(409).send({ error: "Order already exists" })
      }
      await client.query(
        `INSERT INTO "${schema}".events (event_id, stream_id, stream_version, type, data, metadata) VALUES ($1, $2, 1, 'OrderCreated', $3, $4)`,
        [randomUUID(), id, JSON.stringify(order), JSON.stringify({ correlation_id: randomUUID() })]
      )
      const view = {
        aggregate_id: id,
        ...order,
        total,
        status: "created",
        tracking_number: null,
        cancelled_reason: null,
        version: 1
      }
      await client.query(
        `INSERT INTO "${schema}".order_views (id, doc, version) VALUES ($1, $2, 1)
         ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, version = excluded.version`,
        [id, JSON.stringify(view)]
      )
      await client.query("COMMIT")
    } catch (error) {
      await client.query("ROLLBACK")
      throw error
    } finally {
      client.release()
    }
    return reply
      .code(201)
      .header("location", `/orders/${id}`)
      .send({
        message: "Order created",
        data: { order_id: id, status: "created", product: order.product, quantity: order.quantity, total }
      })
  }
)

const port = Number(process.env.PORT ?? "8003")
app.listen({ host: "127.0.0.1", port }).then(() => console.log(`fastify + pg on http://127.0.0.1:${port}`))
