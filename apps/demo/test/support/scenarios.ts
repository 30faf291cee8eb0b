/**
 * The seeds' flows and error paths, as suites any store runs: `bankSuite(demo)`, `shopSuite(demo)`,
 * `badInputSuite(demo)`, where `demo()` is the running demo's client.
 */
import { describe, expect, it } from "vitest"
import { type Client, num, text } from "./demo.js"

const json = "application/json"
const problem = "application/problem+json"

/**
 * How much the whole log holds: unchanged means nothing was written. A store may give a figure that
 * lags (PostgreSQL's head waits for every older transaction on the server), so a suite on such a
 * store passes a probe that counts what is committed.
 */
export type LogProbe = (api: Client) => Promise<number>

/** The position of the newest event the demo reports: exact where reads do not lag (memory). */
export const logPosition: LogProbe = async (api) =>
  num((await api.get("/events/stats")).body, "event_log_position")

export const openAccount = async (api: Client, owner: string, initial_balance?: number): Promise<string> => {
  const res = await api.post(
    "/api/commands/accounts",
    initial_balance === undefined ? { owner } : { owner, initial_balance }
  )
  expect(res.status).toBe(201)
  return text(res.body, "account_id")
}

export const balanceOf = async (api: Client, id: string): Promise<number> =>
  num((await api.get(`/api/queries/accounts/${id}`)).body, "balance")

export const createOrder = async (api: Client, order: Record<string, unknown>): Promise<string> => {
  const res = await api.post("/orders", order)
  expect(res.status).toBe(201)
  return text(res.body, "data", "order_id")
}

export const bankSuite = (demo: () => Client, logSize: LogProbe = logPosition) =>
  describe("the bank (seed 001)", () => {
    it("opens accounts, deposits, withdraws, and shows the read model and the history", async () => {
      const api = demo()
      const opened = await api.post("/api/commands/accounts", { owner: "Alice", initial_balance: 1000 })
      expect(opened.status).toBe(201)
      expect(opened.contentType).toContain(json)
      const alice = text(opened.body, "account_id")
      expect(alice).toMatch(/^acc-[0-9a-f]{8}$/)
      expect(opened.headers.get("location")).toBe(`/api/queries/accounts/${alice}`)
      expect(opened.body).toMatchObject({
        event: {
          aggregate_id: alice,
          type: "AccountOpened",
          data: { owner: "Alice", initial_balance: 1000 },
          version: 1
        }
      })

      const deposited = await api.post(`/api/commands/accounts/${alice}/deposit`, { amount: 250 })
      expect(deposited.status).toBe(200)
      expect(deposited.body).toMatchObject({
        event: { type: "MoneyDeposited", data: { amount: 250 } },
        new_balance: 1250
      })
      const withdrawn = await api.post(`/api/commands/accounts/${alice}/withdraw`, { amount: 100 })
      expect(withdrawn.status).toBe(200)
      expect(withdrawn.body).toMatchObject({
        event: { type: "MoneyWithdrawn", version: 3 },
        new_balance: 1150
      })

      const account = await api.get(`/api/queries/accounts/${alice}`)
      expect(account.body).toMatchObject({ id: alice, owner: "Alice", balance: 1150, status: "active" })
      const list = await api.get("/api/queries/accounts")
      expect(list.body).toMatchObject({
        accounts: expect.arrayContaining([expect.objectContaining({ id: alice })])
      })
      const history = await api.get(`/api/queries/accounts/${alice}/history`)
      expect(history.body).toMatchObject({ account_id: alice, version: 3 })
      expect(history.body).toMatchObject({
        events: [{ type: "AccountOpened" }, { type: "MoneyDeposited" }, { type: "MoneyWithdrawn" }]
      })

      const mine = await api.get(`/api/queries/transactions?account_id=${alice}`)
      expect(mine.body).toMatchObject({
        total: 2,
        transactions: [
          { account_id: alice, type: "deposit", amount: 250 },
          { account_id: alice, type: "withdrawal", amount: 100 }
        ]
      })
      const newest = await api.get(`/api/queries/transactions?limit=1&account_id=${alice}`)
      expect(newest.body).toMatchObject({ total: 2, transactions: [{ type: "withdrawal" }] })
    })

    it("refuses a withdrawal over the balance with 400 Insufficient funds, and writes nothing", async () => {
      const api = demo()
      const id = await openAccount(api, "Carol", 50)
      const before = await logSize(api)
      const res = await api.post(`/api/commands/accounts/${id}/withdraw`, { amount: 80 })
      expect(res.status).toBe(400)
      expect(res.contentType).toContain(problem)
      expect(res.body).toMatchObject({ error: "Insufficient funds", status: 400 })
      expect(await balanceOf(api, id)).toBe(50)
      expect(await logSize(api)).toBe(before)
    })

    it("refuses amounts that are not positive, and accounts that are not active, with 400", async () => {
      const api = demo()
      const id = await openAccount(api, "Dave")
      expect(await balanceOf(api, id)).toBe(0)
      const zero = await api.post(`/api/commands/accounts/${id}/deposit`, { amount: 0 })
      expect(zero.status).toBe(400)
      expect(zero.body).toMatchObject({ error: "Amount must be positive" })
      const negative = await api.post(`/api/commands/accounts/${id}/withdraw`, { amount: -5 })
      expect(negative.body).toMatchObject({ error: "Amount must be positive" })
      const unknown = await api.post("/api/commands/accounts/acc-00000000/deposit", { amount: 5 })
      expect(unknown.status).toBe(400)
      expect(unknown.body).toMatchObject({ error: "Account is not active" })
    })

    it("closes only an empty account (400 otherwise), and a closed account takes no deposit", async () => {
      const api = demo()
      const id = await openAccount(api, "Erin", 30)
      const refused = await api.post(`/api/commands/accounts/${id}/close`)
      expect(refused.status).toBe(400)
      expect(refused.body).toMatchObject({ error: "Account balance must be zero to close" })
      expect((await api.post(`/api/commands/accounts/${id}/withdraw`, { amount: 30 })).status).toBe(200)
      const closed = await api.post(`/api/commands/accounts/${id}/close`)
      expect(closed.status).toBe(200)
      expect(closed.body).toMatchObject({ event: { type: "AccountClosed", version: 3 } })
      expect((await api.get(`/api/queries/accounts/${id}`)).body).toMatchObject({ status: "closed" })
      const again = await api.post(`/api/commands/accounts/${id}/close`)
      expect(again.body).toMatchObject({ error: "Account is not active" })
      const deposit = await api.post(`/api/commands/accounts/${id}/deposit`, { amount: 1 })
      expect(deposit.status).toBe(400)
      expect(deposit.body).toMatchObject({ error: "Account is not active" })
    })

    it("transfers with a saga: 200 and completed steps", async () => {
      const api = demo()
      const from = await openAccount(api, "Frank", 1000)
      const to = await openAccount(api, "Grace", 500)
      const res = await api.post("/api/commands/transfers", {
        from_account: from,
        to_account: to,
        amount: 200
      })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({
        type: "MoneyTransfer",
        status: "completed",
        from_account: from,
        to_account: to,
        amount: 200,
        steps: [
          { name: "withdraw", status: "completed" },
          { name: "deposit", status: "completed" },
          { name: "complete", status: "completed" }
        ]
      })
      expect(await balanceOf(api, from)).toBe(800)
      expect(await balanceOf(api, to)).toBe(700)
      const sagaId = text(res.body, "id")
      expect((await api.get(`/api/queries/sagas/${sagaId}`)).body).toMatchObject({
        id: sagaId,
        status: "completed"
      })
      expect((await api.get("/api/queries/sagas")).body).toMatchObject({
        sagas: expect.arrayContaining([expect.objectContaining({ id: sagaId })])
      })
      const history = await api.get(`/api/queries/accounts/${to}/history`)
      expect(history.body).toMatchObject({
        events: [{ type: "AccountOpened" }, { type: "MoneyDeposited" }, { type: "TransferCompleted" }]
      })
    })

    it("compensates a transfer to a closed account: 409, the withdrawal undone", async () => {
      const api = demo()
      const from = await openAccount(api, "Heidi", 300)
      const to = await openAccount(api, "Ivan")
      expect((await api.post(`/api/commands/accounts/${to}/close`)).status).toBe(200)
      const res = await api.post("/api/commands/transfers", {
        from_account: from,
        to_account: to,
        amount: 100
      })
      expect(res.status).toBe(409)
      expect(res.body).toMatchObject({
        status: "compensated",
        steps: [
          { name: "withdraw", status: "compensated" },
          { name: "deposit", status: "failed" }
        ],
        error: expect.stringContaining("Account is not active")
      })
      expect(await balanceOf(api, from)).toBe(300)
      const history = await api.get(`/api/queries/accounts/${from}/history`)
      expect(history.body).toMatchObject({
        events: [
          { type: "AccountOpened" },
          { type: "MoneyWithdrawn" },
          { type: "MoneyDeposited", data: { reason: expect.stringContaining("Compensation") } },
          { type: "TransferFailed" }
        ]
      })
      const saga = await api.get(`/api/queries/sagas/${text(res.body, "id")}`)
      expect(saga.body).toMatchObject({ status: "compensated" })
    })

    it("fails a transfer over the balance with 409, says insufficient funds, records TransferFailed, moves nothing", async () => {
      const api = demo()
      const from = await openAccount(api, "Judy", 10)
      const to = await openAccount(api, "Karl", 0)
      const res = await api.post("/api/commands/transfers", {
        from_account: from,
        to_account: to,
        amount: 50
      })
      expect(res.status).toBe(409)
      expect(res.contentType).toContain(json)
      // As the seed: the saga, compensated (its registration undone by recording the failure).
      expect(res.body).toMatchObject({
        status: "compensated",
        steps: [{ name: "withdraw", status: "failed" }],
        error: expect.stringContaining("Insufficient funds")
      })
      expect(await balanceOf(api, from)).toBe(10)
      expect(await balanceOf(api, to)).toBe(0)
      const history = await api.get(`/api/queries/accounts/${from}/history`)
      expect(history.body).toMatchObject({
        events: [
          { type: "AccountOpened" },
          { type: "TransferFailed", data: { transfer_id: text(res.body, "id") } }
        ]
      })
    })

    it("answers 404 with the seed's words for unknown accounts and sagas", async () => {
      const api = demo()
      const account = await api.get("/api/queries/accounts/acc-00000000")
      expect(account.status).toBe(404)
      expect(account.contentType).toContain(problem)
      expect(account.body).toMatchObject({ error: "Account not found" })
      expect((await api.get("/api/queries/accounts/acc-00000000/history")).body).toMatchObject({
        error: "Account not found"
      })
      const saga = await api.get("/api/queries/sagas/saga-00000000")
      expect(saga.status).toBe(404)
      expect(saga.body).toMatchObject({ error: "Saga not found" })
    })
  })

const stock = async (api: Client, product: string): Promise<number> =>
  num((await api.get("/inventory")).body, "inventory", product)

export const shopSuite = (demo: () => Client, logSize: LogProbe = logPosition) =>
  describe("the order shop (seed 003)", () => {
    it("creates, reads, lists and ships an order, with its events", async () => {
      const api = demo()
      const created = await api.post("/orders", {
        user_id: "user-1",
        product: "Widget",
        quantity: 3,
        price: 29.99
      })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({
        message: "Order created",
        data: { status: "created", product: "Widget", quantity: 3, total: 89.97 }
      })
      const id = text(created.body, "data", "order_id")
      expect(created.headers.get("location")).toBe(`/orders/${id}`)
      const order = await api.get(`/orders/${id}`)
      expect(order.status).toBe(200)
      expect(order.headers.get("etag")).toBe('"1"')
      expect(order.body).toMatchObject({
        aggregate_id: id,
        user_id: "user-1",
        status: "created",
        total: 89.97,
        tracking_number: null,
        version: 1
      })
      expect((await api.get("/orders")).body).toMatchObject({
        orders: expect.arrayContaining([expect.objectContaining({ aggregate_id: id })])
      })
      const shipped = await api.post(`/orders/${id}/ship`)
      expect(shipped.status).toBe(200)
      expect(shipped.body).toMatchObject({
        message: "Order shipped",
        data: { order_id: id, status: "shipped" }
      })
      expect(text(shipped.body, "data", "tracking_number")).toMatch(/^TRK-[0-9A-F]{10}$/)
      const again = await api.post(`/orders/${id}/ship`)
      expect(again.status).toBe(409)
      expect(again.body).toMatchObject({ error: "Order already shipped" })
      const cancel = await api.post(`/orders/${id}/cancel`)
      expect(cancel.status).toBe(400)
      expect(cancel.body).toMatchObject({ error: "Cannot cancel an order that has been shipped" })
      const events = await api.get(`/orders/${id}/events`)
      expect(events.body).toMatchObject({
        aggregate_id: id,
        event_count: 2,
        events: [
          { type: "OrderCreated", version: 1 },
          { type: "OrderShipped", version: 2 }
        ]
      })
      expect((await api.get("/orders?status=shipped")).body).toMatchObject({
        orders: expect.arrayContaining([expect.objectContaining({ aggregate_id: id })])
      })
    })

    it("refuses to ship a cancelled order with 409, and to cancel it twice with 400", async () => {
      const api = demo()
      const id = await createOrder(api, { product: "Gadget", quantity: 1, price: 5 })
      const cancelled = await api.post(`/orders/${id}/cancel`, { reason: "changed my mind" })
      expect(cancelled.status).toBe(200)
      expect(cancelled.body).toMatchObject({
        message: "Order cancelled",
        data: { order_id: id, status: "cancelled", reason: "changed my mind" }
      })
      const before = await logSize(api)
      const ship = await api.post(`/orders/${id}/ship`)
      expect(ship.status).toBe(409)
      expect(ship.body).toMatchObject({ error: "Cannot ship a cancelled order" })
      const twice = await api.post(`/orders/${id}/cancel`)
      expect(twice.status).toBe(400)
      expect(twice.body).toMatchObject({ error: "Order is already cancelled" })
      expect(await logSize(api)).toBe(before)
      expect((await api.get(`/orders/${id}`)).body).toMatchObject({
        status: "cancelled",
        cancelled_reason: "changed my mind"
      })
    })

    it("uses the seed's defaults for missing members and answers unknown orders", async () => {
      const api = demo()
      const id = await createOrder(api, {})
      expect((await api.get(`/orders/${id}`)).body).toMatchObject({
        user_id: "anonymous",
        product: "Unknown",
        quantity: 1,
        price: 0
      })
      const missing = await api.get("/orders/order-00000000")
      expect(missing.status).toBe(404)
      expect(missing.body).toMatchObject({ error: "Order order-00000000 not found" })
      const ship = await api.post("/orders/order-00000000/ship")
      expect(ship.status).toBe(400)
      expect(ship.body).toMatchObject({ error: "Order order-00000000 not found" })
      const events = await api.get("/orders/order-00000000/events")
      expect(events.status).toBe(404)
      expect(events.body).toMatchObject({ error: "No events found for order-00000000" })
    })

    it("places an order with the saga: stock reserved, paid, created, confirmed", async () => {
      const api = demo()
      const before = await stock(api, "Gadget")
      const res = await api.post("/saga/place-order", {
        user_id: "user-1",
        product: "Gadget",
        quantity: 2,
        price: 99.99
      })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({
        message: "Order placed successfully via saga",
        product: "Gadget",
        quantity: 2,
        total: 199.98
      })
      const orderId = text(res.body, "order_id")
      expect(text(res.body, "payment_id")).toMatch(/^pay-/)
      expect((await api.get(`/orders/${orderId}`)).body).toMatchObject({ status: "confirmed", version: 2 })
      expect(await stock(api, "Gadget")).toBe(before - 2)
      const status = await api.get("/saga/status")
      expect(status.body).toMatchObject({
        registered_sagas: ["OrderPlacementSaga"],
        history: expect.arrayContaining([
          expect.objectContaining({ success: true, context: expect.objectContaining({ order_id: orderId }) })
        ])
      })
    })

    it("fails the saga on an unknown product or too little stock: 400, nothing left half done", async () => {
      const api = demo()
      const ordersBefore = num((await api.get("/events/stats")).body, "total_aggregates")
      const inventoryBefore = (await api.get("/inventory")).body
      const unknown = await api.post("/saga/place-order", {
        user_id: "u",
        product: "Doohickey",
        quantity: 1,
        price: 1
      })
      expect(unknown.status).toBe(400)
      expect(unknown.contentType).toContain(problem)
      expect(unknown.body).toMatchObject({
        error: "Saga failed at step 'reserve_inventory'",
        detail: "Product 'Doohickey' not found",
        message: "All completed steps have been compensated"
      })
      const available = await stock(api, "Gizmo")
      const tooMany = await api.post("/saga/place-order", {
        product: "Gizmo",
        quantity: available + 1,
        price: 1
      })
      expect(tooMany.status).toBe(400)
      expect(tooMany.body).toMatchObject({
        error: "Saga failed at step 'reserve_inventory'",
        detail: `Insufficient stock for 'Gizmo': requested ${available + 1}, available ${available}`
      })
      expect((await api.get("/inventory")).body).toEqual(inventoryBefore)
      expect(num((await api.get("/events/stats")).body, "total_aggregates")).toBe(ordersBefore)
      const status = await api.get("/saga/status")
      expect(status.body).toMatchObject({
        history: expect.arrayContaining([
          expect.objectContaining({
            saga_id: text(unknown.body, "saga_id"),
            success: false,
            step: "reserve_inventory"
          })
        ])
      })
    })

    it("serves the stats pages and the inventory", async () => {
      const api = demo()
      const id = await createOrder(api, { product: "Widget", quantity: 1, price: 1 })
      const stats = await api.get("/events/stats")
      expect(stats.body).toMatchObject({ aggregates: { [id]: { event_count: 1, status: "created" } } })
      expect(["memory", "postgres", "pglite", "mysql"]).toContain(text(stats.body, "store_type"))
      const cqrs = await api.get("/cqrs/stats")
      expect(cqrs.body).toMatchObject({
        command_bus: {
          registered_commands: expect.arrayContaining(["CreateOrder", "ShipOrder", "CancelOrder"])
        },
        query_bus: { registered_queries: expect.arrayContaining(["GetOrder", "ListOrders"]) }
      })
      expect(num(cqrs.body, "read_model_size")).toBeGreaterThanOrEqual(1)
      const inventory = await api.get("/inventory")
      expect(inventory.body).toMatchObject({ total_products: 3 })
      expect(
        Object.keys(inventory.body && typeof inventory.body === "object" ? inventory.body : {})
      ).toContain("inventory")
    })
  })

export const badInputSuite = (demo: () => Client, logSize: LogProbe = logPosition) =>
  describe("bad input: a clear 4xx, nothing written", () => {
    const unchanged = async (api: Client, request: () => Promise<{ readonly status: number }>) => {
      const before = await logSize(api)
      const accounts = num((await api.get("/api/queries/accounts")).body, "count")
      const res = await request()
      expect(await logSize(api)).toBe(before)
      expect(num((await api.get("/api/queries/accounts")).body, "count")).toBe(accounts)
      return res
    }

    it("answers malformed JSON with 400 on every route that reads a body", async () => {
      const api = demo()
      const id = await openAccount(api, "Mallory", 10)
      const order = await createOrder(api, { product: "Widget" })
      for (const path of [
        "/api/commands/accounts",
        `/api/commands/accounts/${id}/deposit`,
        `/api/commands/accounts/${id}/withdraw`,
        "/api/commands/transfers",
        "/orders",
        `/orders/${order}/cancel`,
        "/saga/place-order"
      ]) {
        const res = await unchanged(api, () => api.post(path, '{"owner": "x",'))
        expect(res.status, path).toBe(400)
        expect(res).toMatchObject({
          contentType: expect.stringContaining(problem),
          body: { error: expect.any(String) }
        })
      }
    })

    it("answers wrong types and missing members with 422 naming each field", async () => {
      const api = demo()
      const id = await openAccount(api, "Niaj", 10)
      const cases: ReadonlyArray<readonly [string, unknown, string]> = [
        ["/api/commands/accounts", {}, "owner"],
        ["/api/commands/accounts", { owner: "x", initial_balance: -5 }, "initial_balance"],
        ["/api/commands/accounts", { owner: 42 }, "owner"],
        [`/api/commands/accounts/${id}/deposit`, { amount: "100" }, "amount"],
        [`/api/commands/accounts/${id}/withdraw`, {}, "amount"],
        ["/api/commands/transfers", { from_account: id, amount: 5 }, "to_account"],
        ["/orders", { quantity: 0 }, "quantity"],
        ["/orders", { price: "free" }, "price"],
        ["/saga/place-order", { product: "Widget", quantity: 1.5 }, "quantity"],
        ["/orders", [1, 2, 3], ""],
        ["/api/commands/accounts", "17", ""]
      ]
      for (const [path, body, field] of cases) {
        const res = await unchanged(api, () => api.post(path, body))
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(422)
        if (field !== "")
          expect(res, path).toMatchObject({
            body: { errors: expect.arrayContaining([expect.objectContaining({ path: field })]) }
          })
      }
    })

    it("refuses a huge body with 413", async () => {
      const api = demo()
      const huge = JSON.stringify({ owner: "x".repeat(2 * 1024 * 1024) })
      for (const path of [
        "/api/commands/accounts",
        "/orders",
        "/saga/place-order",
        "/api/commands/transfers"
      ]) {
        const res = await unchanged(api, () => api.post(path, huge))
        expect(res.status, path).toBe(413)
      }
    })

    it("answers unknown routes with 404 and odd ids with a 4xx", async () => {
      const api = demo()
      for (const path of ["/nope", "/api/commands", "/orders/x/y/z", "/api/queries/accounts/a/b/c"]) {
        const res = await api.get(path)
        expect(res.status, path).toBe(404)
        expect(res.contentType).toContain(problem)
      }
      expect((await unchanged(api, () => api.post("/inventory", {}))).status).toBe(404)
      for (const id of ["%00", "..%2F..%2Fetc%2Fpasswd", "a%20b", "x".repeat(150), "%E2%98%83"]) {
        const ship = await unchanged(api, () => api.post(`/orders/${id}/ship`))
        expect(ship.status, id).toBeGreaterThanOrEqual(400)
        expect(ship.status, id).toBeLessThan(500)
        const read = await api.get(`/api/queries/accounts/${id}`)
        expect(read.status, id).toBeGreaterThanOrEqual(400)
        expect(read.status, id).toBeLessThan(500)
        const deposit = await unchanged(api, () =>
          api.post(`/api/commands/accounts/${id}/deposit`, { amount: 1 })
        )
        expect(deposit.status, id).toBeGreaterThanOrEqual(400)
        expect(deposit.status, id).toBeLessThan(500)
      }
      const badLimit = await api.get("/api/queries/transactions?limit=lots")
      expect(badLimit.status).toBe(422)
    })
  })

/**
 * A restart keeps every account, order, saga and stock level, and the demo goes on from there.
 * `restart` stops the demo and starts it again on the same store; `log` describes the event log as
 * the store can compare it across a restart.
 */
export const restartSuite = (
  demo: () => Client,
  restart: () => Promise<Client>,
  log: (api: Client) => Promise<unknown>
) =>
  it("keeps every account, order, saga and stock level across a restart", async () => {
    let api = demo()
    const alice = await openAccount(api, "Alice", 1000)
    const bob = await openAccount(api, "Bob", 500)
    const transfer = await api.post("/api/commands/transfers", {
      from_account: alice,
      to_account: bob,
      amount: 200
    })
    expect(transfer.status).toBe(200)
    const order = await createOrder(api, { user_id: "user-1", product: "Widget", quantity: 3, price: 29.99 })
    const placed = await api.post("/saga/place-order", {
      user_id: "user-1",
      product: "Gadget",
      quantity: 1,
      price: 99.99
    })
    expect(placed.status).toBe(201)
    const before = {
      accounts: (await api.get("/api/queries/accounts")).body,
      orders: (await api.get("/orders")).body,
      sagas: (await api.get("/api/queries/sagas")).body,
      sagaStatus: (await api.get("/saga/status")).body,
      inventory: (await api.get("/inventory")).body,
      log: await log(api),
      history: (await api.get(`/api/queries/accounts/${alice}/history`)).body
    }

    api = await restart()

    expect((await api.get("/api/queries/accounts")).body).toEqual(before.accounts)
    expect((await api.get("/orders")).body).toEqual(before.orders)
    expect((await api.get("/api/queries/sagas")).body).toEqual(before.sagas)
    expect((await api.get("/saga/status")).body).toEqual(before.sagaStatus)
    // The seed stock is added once: a restart does not add it again.
    expect((await api.get("/inventory")).body).toEqual(before.inventory)
    expect(await log(api)).toEqual(before.log)
    expect((await api.get(`/api/queries/accounts/${alice}/history`)).body).toEqual(before.history)
    expect(await balanceOf(api, alice)).toBe(800)
    expect((await api.get(`/api/queries/sagas/${text(transfer.body, "id")}`)).body).toMatchObject({
      status: "completed"
    })
    expect((await api.get(`/orders/${text(placed.body, "order_id")}`)).body).toMatchObject({
      status: "confirmed"
    })

    // And it goes on from there.
    const shipped = await api.post(`/orders/${order}/ship`)
    expect(shipped.status).toBe(200)
    const deposited = await api.post(`/api/commands/accounts/${alice}/deposit`, { amount: 1 })
    expect(num(deposited.body, "new_balance")).toBe(801)
  }, 120_000)
