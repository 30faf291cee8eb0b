/**
 * The demo with `CELLO_REDIS_URL`: events and sagas in memory, read models in Redis (127.0.0.1:6379),
 * under a key prefix of this run's own, removed afterwards.
 */
import { randomUUID } from "node:crypto"
import { RedisClient } from "@cello/store-redis"
import { Effect, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Client, client, type Demo, startDemo, text } from "./support/demo.js"
import { bankSuite, openAccount, shopSuite } from "./support/scenarios.js"

const url = "redis://127.0.0.1:6379"
const prefix = `cello-demo-test:${randomUUID()}:`
const redis = ManagedRuntime.make(RedisClient.layer({ url, keyPrefix: prefix }))

const run = <A>(f: (client: RedisClient.RedisClientShape) => Promise<A>): Promise<A> =>
  redis.runPromise(Effect.flatMap(RedisClient.RedisClient, (c) => Effect.promise(() => f(c))))

/** Every key of this run. */
const keys = () => run((c) => c.redis.keys(`${prefix}*`))

let demo: Demo
let api: Client

beforeAll(async () => {
  demo = await startDemo({ CELLO_REDIS_URL: url, CELLO_REDIS_PREFIX: prefix })
  api = client(demo.url)
}, 60_000)

afterAll(async () => {
  await demo?.stop()
  const left = await keys()
  if (left.length > 0) await run((c) => c.redis.del(...left))
  await redis.dispose()
})

describe("the demo with its read models in Redis", () => {
  it("keeps events in memory and serves the seed's inventory from Redis", async () => {
    expect((await api.get("/events/stats")).body).toMatchObject({ store_type: "memory" })
    expect((await api.get("/inventory")).body).toEqual({
      inventory: { Widget: 100, Gadget: 50, Gizmo: 25 },
      total_products: 3
    })
  })

  it("writes the bank's and the shop's read models under the prefix", async () => {
    const alice = await openAccount(api, "Alice", 1000)
    const bob = await openAccount(api, "Bob", 500)
    const transfer = await api.post("/api/commands/transfers", {
      from_account: alice,
      to_account: bob,
      amount: 200
    })
    expect(transfer.status).toBe(200)
    const created = await api.post("/orders", { user_id: "user-r", product: "Gizmo", quantity: 2, price: 5 })
    expect(created.status).toBe(201)
    const order = text(created.body, "data", "order_id")

    const found = await keys()
    for (const collection of ["bank_accounts", "bank_transactions", "shop_orders", "shop_inventory"])
      expect(found).toContain(`${prefix}rm:d:${collection}`)
    const account = await run((c) => c.redis.hget(c.key("rm", "d", "bank_accounts"), alice))
    expect(JSON.parse(account ?? "null")).toMatchObject({ owner: "Alice", balance: 800 })
    expect(await run((c) => c.redis.hexists(c.key("rm", "d", "shop_orders"), order))).toBe(1)
    // The read models' indexes, declared at start-up and kept with every write.
    const indexed = (collection: string) => run((c) => c.redis.smembers(c.key("rm", "x", collection)))
    expect((await indexed("bank_transactions")).sort()).toEqual(["account_id", "position"])
    expect((await indexed("shop_orders")).sort()).toEqual(["created_at", "status"])
    const stored = await run((c) => c.redis.hget(c.key("rm", "d", "shop_orders"), order))
    const status = String(JSON.parse(stored ?? "{}").status)
    const member = `${status}\u0000${order}`
    expect(await run((c) => c.redis.zscore(c.key("rm", "s", "shop_orders", "status"), member))).toBe("0")

    expect((await api.get(`/api/queries/accounts/${bob}`)).body).toMatchObject({ id: bob, balance: 700 })
    expect((await api.get(`/orders/${order}`)).body).toMatchObject({ aggregate_id: order, total: 10 })
  })

  bankSuite(() => api)
  shopSuite(() => api)
})
