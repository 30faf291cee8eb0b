/**
 * Hostile and clumsy input over HTTP, as a suite any store runs: every body field of every demo route
 * with NUL, lone surrogates, a 1 MB string, 1e308, -0, 2^53+1 and 0.1+0.2 answers a 4xx naming the
 * field (or an exact result), with the event log unchanged; money stays exact; no answer carries a
 * number JSON cannot (`Infinity`, `NaN`, `null`); twenty concurrent deposits to one account all land.
 */
import { describe, expect, it } from "vitest"
import type { Answer, Client } from "./demo.js"
import { at, num, text } from "./demo.js"
import { balanceOf, createOrder, type LogProbe, logPosition, openAccount } from "./scenarios.js"

/** Money, quantities and counts the demo answers with: each must be a finite number wherever it appears. */
const numberFields = new Set([
  "balance",
  "new_balance",
  "initial_balance",
  "amount",
  "price",
  "total",
  "quantity",
  "count"
])

/** Fails when any answer holds `"Infinity"`/`"NaN"` or a money field that is not a finite number. */
export const expectJsonNumbers = (body: unknown, where: string): void => {
  const stack: Array<readonly [string, unknown]> = [["", body]]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [key, value] = next
    if (typeof value === "string")
      expect(["Infinity", "-Infinity", "NaN"], `${where}: ${key}`).not.toContain(value)
    if (numberFields.has(key) && key !== "")
      expect(Number.isFinite(value), `${where}: ${key} = ${JSON.stringify(value)}`).toBe(true)
    if (typeof value === "object" && value !== null)
      for (const [k, v] of Object.entries(value)) stack.push([Array.isArray(value) ? key : k, v])
  }
}

type Kind = "text" | "money" | "count"

interface Field {
  readonly path: (ids: Ids) => string
  readonly base: Readonly<Record<string, unknown>>
  readonly field: string
  readonly kind: Kind
}

interface Ids {
  readonly from: string
  readonly to: string
  readonly order: string
}

/** Every body field of every route that reads one, with a valid body around it. */
const fields: ReadonlyArray<Field> = [
  {
    path: () => "/api/commands/accounts",
    base: { owner: "Eve", initial_balance: 5 },
    field: "owner",
    kind: "text"
  },
  {
    path: () => "/api/commands/accounts",
    base: { owner: "Eve", initial_balance: 5 },
    field: "initial_balance",
    kind: "money"
  },
  ...(["deposit", "withdraw"] as const).flatMap(
    (move): ReadonlyArray<Field> => [
      {
        path: (ids) => `/api/commands/accounts/${ids.from}/${move}`,
        base: { amount: 1, reason: "r" },
        field: "amount",
        kind: "money"
      },
      {
        path: (ids) => `/api/commands/accounts/${ids.from}/${move}`,
        base: { amount: 1, reason: "r" },
        field: "reason",
        kind: "text"
      }
    ]
  ),
  ...(["from_account", "to_account", "amount"] as const).map(
    (field): Field => ({
      path: () => "/api/commands/transfers",
      base: {},
      field,
      kind: field === "amount" ? "money" : "text"
    })
  ),
  ...(["/orders", "/saga/place-order"] as const).flatMap(
    (path): ReadonlyArray<Field> =>
      (["user_id", "product", "quantity", "price"] as const).map((field) => ({
        path: () => path,
        base: { user_id: "u", product: "Widget", quantity: 1, price: 1 },
        field,
        kind: field === "price" ? "money" : field === "quantity" ? "count" : "text"
      }))
  ),
  { path: (ids) => `/orders/${ids.order}/cancel`, base: { reason: "r" }, field: "reason", kind: "text" }
]

/** Raw JSON for a value: 2^53+1 and -0 are written as the literals a client sends. */
const hostile: ReadonlyArray<readonly [string, string]> = [
  ["NUL", JSON.stringify("a\u0000b")],
  ["a lone high surrogate", JSON.stringify("\ud800")],
  ["a lone low surrogate", JSON.stringify("x\udfffy")],
  ["a 1 MB string", JSON.stringify("x".repeat(1_000_000))],
  ["1e308", "1e308"],
  ["-0", "-0"],
  ["2^53+1", "9007199254740993"],
  ["0.1+0.2", String(0.1 + 0.2)]
]

/** The cases that are valid input and must give an exact result rather than a 4xx. */
const exact = (field: Field, name: string, path: string): boolean =>
  name === "-0" &&
  (field.field === "initial_balance" ||
    (field.field === "price" && (path === "/orders" || path === "/saga/place-order")))

const bodyWith = (field: Field, ids: Ids, value: string): string => {
  const base: Record<string, unknown> =
    field.path(ids) === "/api/commands/transfers"
      ? { from_account: ids.from, to_account: ids.to, amount: 1 }
      : { ...field.base }
  const rest = Object.entries(base)
    .filter(([key]) => key !== field.field)
    .map(([key, v]) => `${JSON.stringify(key)}: ${JSON.stringify(v)}`)
  return `{${[...rest, `${JSON.stringify(field.field)}: ${value}`].join(", ")}}`
}

export const hostileInputSuite = (demo: () => Client, logSize: LogProbe = logPosition) =>
  describe("hostile input: 4xx naming the field, nothing written, exact money", () => {
    it("answers every body field of every route with 4xx naming it, or an exact result", async () => {
      const api = demo()
      const ids: Ids = {
        from: await openAccount(api, "Sender", 100),
        to: await openAccount(api, "Receiver", 0),
        order: await createOrder(api, { product: "Widget" })
      }
      for (const field of fields)
        for (const [name, value] of hostile) {
          const path = field.path(ids)
          const where = `${path} ${field.field} = ${name}`
          const before = await logSize(api)
          const res: Answer = await api.post(path, bodyWith(field, ids, value))
          expectJsonNumbers(res.body, where)
          if (exact(field, name, path)) {
            expect(res.status, where).toBeLessThan(300)
            continue
          }
          expect(res.status, where).toBeGreaterThanOrEqual(400)
          expect(res.status, where).toBeLessThan(500)
          if (res.status === 422)
            expect(at(res.body, "errors"), where).toEqual(
              expect.arrayContaining([expect.objectContaining({ path: field.field })])
            )
          // The one other 4xx: the account's own rule for a zero amount, in the seed's words.
          else expect([res.status, at(res.body, "error")], where).toEqual([400, "Amount must be positive"])
          expect(await logSize(api), where).toBe(before)
        }
    }, 120_000)

    it("answers NUL in a query string or path with 422 naming the parameter", async () => {
      const api = demo()
      for (const [path, field] of [
        ["/orders?status=a%00b", "status"],
        ["/api/queries/transactions?account_id=%00", "account_id"],
        ["/api/queries/accounts/acc%00", "account_id"],
        ["/orders/x%00/events", "order_id"]
      ] as const) {
        const res = await api.get(path)
        expect(res.status, path).toBe(422)
        expect(at(res.body, "errors"), path).toEqual(
          expect.arrayContaining([expect.objectContaining({ path: field })])
        )
      }
    })

    it("keeps money exact: 0.1 + 0.2 - 0.3 is zero, and the account closes", async () => {
      const api = demo()
      const id = await openAccount(api, "Exact", 0.1)
      const deposited = await api.post(`/api/commands/accounts/${id}/deposit`, { amount: 0.2 })
      expect(num(deposited.body, "new_balance")).toBe(0.3)
      const withdrawn = await api.post(`/api/commands/accounts/${id}/withdraw`, { amount: 0.3 })
      expect(num(withdrawn.body, "new_balance")).toBe(0)
      expect(await balanceOf(api, id)).toBe(0)
      expect((await api.post(`/api/commands/accounts/${id}/close`)).status).toBe(200)
      const history = await api.get(`/api/queries/accounts/${id}/history`)
      expect(JSON.stringify(history.body)).toContain('"amount":0.2')
    })

    it("keeps the largest amounts exact, and refuses larger ones naming the field", async () => {
      const api = demo()
      const id = await openAccount(api, "Big", 1_000_000_000)
      for (let i = 0; i < 3; i++)
        expect(
          (await api.post(`/api/commands/accounts/${id}/deposit`, { amount: 999_999_999.99 })).status
        ).toBe(200)
      expect(await balanceOf(api, id)).toBe(3_999_999_999.97)
      const over = await api.post(`/api/commands/accounts/${id}/deposit`, { amount: 1_000_000_000.01 })
      expect(over.status).toBe(422)
      expect(at(over.body, "errors", 0, "path")).toBe("amount")
      const order = await api.post("/orders", { product: "Widget", quantity: 1_000_000, price: 999_999.99 })
      expect(order.status).toBe(201)
      expect(at(order.body, "data", "total")).toBe(999_999_990_000)
      const seed = await api.post("/orders", { product: "Widget", quantity: 3, price: 29.99 })
      expect(at(seed.body, "data", "total")).toBe(89.97)
      const huge = await api.post("/orders", { product: "Widget", quantity: 10, price: 1e308 })
      expect(huge.status).toBe(422)
      expect(at(huge.body, "errors", 0, "path")).toBe("price")
    })

    it("never answers a number JSON cannot carry, on any read", async () => {
      const api = demo()
      const id = await openAccount(api, "Reader", 12.34)
      const order = await createOrder(api, { product: "Gadget", quantity: 2, price: 0.1 })
      for (const path of [
        "/api/queries/accounts",
        `/api/queries/accounts/${id}`,
        `/api/queries/accounts/${id}/history`,
        "/api/queries/transactions?limit=50",
        "/api/queries/sagas",
        "/orders",
        `/orders/${order}`,
        `/orders/${order}/events`,
        "/saga/status",
        "/events/stats",
        "/cqrs/stats",
        "/inventory",
        "/"
      ]) {
        const res = await api.get(path)
        expect(res.status, path).toBe(200)
        expectJsonNumbers(res.body, path)
      }
      expect(at((await api.get(`/orders/${order}`)).body, "total")).toBe(0.2)
    })

    it("answers 415 to a body not sent as JSON and 403 to a write from another origin, on the demo's own routes too", async () => {
      const api = demo()
      const id = await openAccount(api, "Csrf", 10)
      const before = await logSize(api)
      for (const path of [
        `/api/commands/accounts/${id}/withdraw`,
        "/api/commands/accounts",
        "/saga/place-order"
      ]) {
        const plain = await api.post(path, JSON.stringify({ amount: 5, owner: "x" }), {
          "content-type": "text/plain"
        })
        expect(plain.status, path).toBe(415)
        const form = await api.post(path, "amount=5", { "content-type": "application/x-www-form-urlencoded" })
        expect(form.status, path).toBe(415)
        const foreign = await api.post(path, { amount: 5, owner: "x" }, { origin: "https://evil.example" })
        expect(foreign.status, path).toBe(403)
        expect(foreign.headers.get("access-control-allow-origin"), path).toBeNull()
      }
      const close = await api.post(`/api/commands/accounts/${id}/close`, undefined, { origin: "null" })
      expect(close.status).toBe(403)
      expect(await logSize(api)).toBe(before)
      expect(await balanceOf(api, id)).toBe(10)
    })

    it("lands all of twenty concurrent deposits to one account (contention is retried)", async () => {
      const api = demo()
      const id = await openAccount(api, "Busy", 0)
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => api.post(`/api/commands/accounts/${id}/deposit`, { amount: 1.01 }))
      )
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200))
      expect(await balanceOf(api, id)).toBe(20.2)
      const history = await api.get(`/api/queries/accounts/${id}/history`)
      expect(JSON.stringify(history.body).match(/MoneyDeposited/g)?.length).toBe(20)
      expect(text(answers[0]?.body, "event", "type")).toBe("MoneyDeposited")
    })
  })
