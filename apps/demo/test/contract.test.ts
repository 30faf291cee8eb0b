/**
 * The HTTP contract: `/openapi.json` is a valid OpenAPI 3.1 document, every documented operation is
 * served and called here with valid and invalid input, and every answer (status, headers, body) is
 * one the document allows. A route served but not documented fails too: the seeds' discovery
 * document (`GET /`) lists every route the demo serves.
 */
import { Validator } from "@seriousme/openapi-schema-validator"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Answer, contract, isObject } from "./contract/openApiContract.js"
import { type Demo, startDemo } from "./support/demo.js"

let demo: Demo
let doc: unknown
let check: ReturnType<typeof contract>
const problems: Array<string> = []

beforeAll(async () => {
  demo = await startDemo()
  doc = await (await fetch(`${demo.url}/openapi.json`)).json()
  check = contract(doc)
}, 60_000)

afterAll(() => demo.stop())

interface Sent {
  readonly body?: unknown
  readonly raw?: string
  readonly headers?: Readonly<Record<string, string>>
}

/** Sends a request, checks its answer against the document, and returns it with its JSON body. */
const send = async (method: string, path: string, sent: Sent = {}) => {
  const hasBody = sent.body !== undefined || sent.raw !== undefined
  const response = await fetch(`${demo.url}${path}`, {
    method,
    headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...sent.headers },
    ...(hasBody ? { body: sent.raw ?? JSON.stringify(sent.body) } : {})
  })
  const text = method === "HEAD" ? "" : await response.text()
  const answer: Answer = { method, path, status: response.status, headers: response.headers, text }
  problems.push(...check.violations(answer))
  const body: unknown =
    text.length > 0 && /json/.test(response.headers.get("content-type") ?? "") ? JSON.parse(text) : undefined
  return { ...answer, body }
}

const at = (value: unknown, ...keys: ReadonlyArray<string>): unknown =>
  keys.reduce<unknown>((current, key) => (isObject(current) ? current[key] : undefined), value)

const expectStatus = async (status: number, method: string, path: string, sent?: Sent) => {
  const answer = await send(method, path, sent)
  expect(answer.status, `${method} ${path} ${answer.text.slice(0, 200)}`).toBe(status)
  return answer
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(isObject(doc) ? { ...doc } : {})
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([])
    expect(result.valid).toBe(true)
    expect(at(doc, "openapi")).toBe("3.1.0")
    // The validator can say no: a response without its description is not OpenAPI.
    const broken = {
      openapi: "3.1.0",
      info: { title: "x", version: "1" },
      paths: { "/": { get: { responses: { "200": {} } } } }
    }
    expect((await new Validator().validate(broken)).valid).toBe(false)
  })

  it("documents every route the discovery document lists, and no number as a string", async () => {
    const root = await expectStatus(200, "GET", "/")
    const listed = [
      ...Object.keys(at(root.body, "examples", "bank", "endpoints") ?? {}),
      ...Object.keys(at(root.body, "examples", "orders", "endpoints") ?? {})
    ]
    for (const route of listed) {
      const [method = "", path = ""] = route.split(" ")
      const concrete = path.split("?")[0]?.replace(/\{[^}]+\}/g, "x") ?? ""
      expect(check.templateOf(method, concrete), route).toBeDefined()
    }
    expect(/"Infinity"|"NaN"/.test(JSON.stringify(doc))).toBe(false)
  })

  it("documents a body without the members the path fills, and If-Match nowhere (no command takes a version)", () => {
    const body = (path: string) =>
      Object.keys(
        at(
          doc,
          "paths",
          path,
          "post",
          "requestBody",
          "content",
          "application/json",
          "schema",
          "properties"
        ) ?? {}
      )
    expect(body("/api/commands/accounts/{id}/deposit").sort()).toEqual(["amount", "reason"])
    expect(body("/orders/{id}/cancel")).toEqual(["reason"])
    expect(/"name":"If-Match"|"412"/.test(JSON.stringify(doc))).toBe(false)
    expect(at(doc, "paths", "/orders/{id}/ship", "post", "responses", "400", "description")).toMatch(
      /OrderNotFound/
    )
    expect(at(doc, "paths", "/api/commands/transfers", "post", "responses", "409", "content")).toHaveProperty(
      ["application/json"]
    )
  })
})

describe("the checker", () => {
  const fake = (
    method: string,
    path: string,
    status: number,
    body: unknown,
    type = "application/json"
  ): Answer => ({
    method,
    path,
    status,
    headers: new Headers({ "content-type": type, "x-request-id": "r", location: "/orders/x" }),
    text: JSON.stringify(body)
  })
  it("refuses what the document does not allow", () => {
    const placed = {
      message: "Order created",
      data: { order_id: "x", status: "pending", product: "W", quantity: 1, total: 1 }
    }
    expect(check.violations(fake("POST", "/orders", 201, { order_id: "x" }))).toHaveLength(1)
    expect(check.violations(fake("POST", "/orders", 418, placed))).toHaveLength(1)
    expect(check.violations(fake("PUT", "/orders", 200, placed))).toHaveLength(1)
    expect(check.violations(fake("GET", "/nowhere", 200, {}))).toHaveLength(1)
    expect(
      check.violations(fake("GET", "/orders/x", 404, { type: "t" }, "application/problem+json"))
    ).toHaveLength(1)
    expect(check.violations(fake("GET", "/orders/x", 404, {}, "application/json"))).toHaveLength(1)
  })
})

describe("every operation, called with valid and invalid input, answers as documented", () => {
  it("the bank", async () => {
    const open = await expectStatus(201, "POST", "/api/commands/accounts", {
      body: { owner: "Ada", initial_balance: 100 }
    })
    const a = String(at(open.body, "account_id"))
    const b = String(
      at(
        (await expectStatus(201, "POST", "/api/commands/accounts", { body: { owner: "Bo" } })).body,
        "account_id"
      )
    )
    const empty = String(
      at(
        (await expectStatus(201, "POST", "/api/commands/accounts", { body: { owner: "Cy" } })).body,
        "account_id"
      )
    )
    await expectStatus(422, "POST", "/api/commands/accounts", { body: { owner: 5 } })
    await expectStatus(400, "POST", "/api/commands/accounts", { raw: "{" })
    await expectStatus(415, "POST", "/api/commands/accounts", {
      raw: "{}",
      headers: { "content-type": "text/plain" }
    })
    await expectStatus(200, "POST", `/api/commands/accounts/${a}/deposit`, { body: { amount: 10 } })
    await expectStatus(400, "POST", "/api/commands/accounts/acc-nobody/deposit", { body: { amount: 10 } })
    await expectStatus(422, "POST", `/api/commands/accounts/${a}/deposit`, { body: { amount: "ten" } })
    await expectStatus(400, "POST", `/api/commands/accounts/${a}/withdraw`, { body: { amount: 1000 } })
    await expectStatus(200, "POST", `/api/commands/accounts/${a}/withdraw`, { body: { amount: 5 } })
    await expectStatus(422, "POST", `/api/commands/accounts/${a}/withdraw`, { body: {} })
    const transfer = await expectStatus(200, "POST", "/api/commands/transfers", {
      body: { from_account: a, to_account: b, amount: 10 }
    })
    await expectStatus(409, "POST", "/api/commands/transfers", {
      body: { from_account: a, to_account: b, amount: 10_000 }
    })
    await expectStatus(422, "POST", "/api/commands/transfers", { body: { from_account: a } })
    await expectStatus(400, "POST", `/api/commands/accounts/${b}/close`)
    await expectStatus(200, "POST", `/api/commands/accounts/${empty}/close`)
    await expectStatus(200, "GET", "/api/queries/accounts")
    await expectStatus(200, "GET", `/api/queries/accounts/${a}`)
    await expectStatus(404, "GET", "/api/queries/accounts/acc-nobody")
    await expectStatus(200, "GET", `/api/queries/accounts/${a}/history`)
    await expectStatus(200, "GET", `/api/queries/transactions?limit=5&account_id=${a}`)
    await expectStatus(422, "GET", "/api/queries/transactions?limit=lots")
    await expectStatus(200, "GET", "/api/queries/sagas")
    await expectStatus(200, "GET", `/api/queries/sagas/${String(at(transfer.body, "id"))}`)
    await expectStatus(404, "GET", "/api/queries/sagas/saga-nobody")
    await expectStatus(400, "POST", `/api/commands/accounts/${a}/deposit`, {
      body: { amount: 1 },
      headers: { "if-match": "abc" }
    })
  })

  it("the shop", async () => {
    const created = await expectStatus(201, "POST", "/orders", {
      body: { product: "Widget", quantity: 2, price: 3.5 }
    })
    const id = String(at(created.body, "data", "order_id"))
    expect(created.headers.get("location")).toBe(`/orders/${id}`)
    await expectStatus(422, "POST", "/orders", { body: { quantity: 0 } })
    await expectStatus(200, "GET", "/orders")
    await expectStatus(200, "GET", "/orders?status=pending")
    const order = await expectStatus(200, "GET", `/orders/${id}`)
    expect(order.headers.get("etag")).toMatch(/^"\d+"$/)
    await expectStatus(404, "GET", "/orders/ord-nobody")
    const malformed = await expectStatus(400, "GET", "/orders/%")
    expect(at(malformed.body, "type")).toBe("urn:cello:problem:malformed-path")
    await expectStatus(200, "GET", `/orders/${id}/events`)
    await expectStatus(200, "POST", `/orders/${id}/ship`)
    await expectStatus(409, "POST", `/orders/${id}/ship`)
    await expectStatus(400, "POST", "/orders/ord-nobody/ship")
    await expectStatus(400, "POST", `/orders/${id}/cancel`, { body: { reason: "late" } })
    const other = String(
      at(
        (await expectStatus(201, "POST", "/orders", { body: { product: "Gizmo" } })).body,
        "data",
        "order_id"
      )
    )
    await expectStatus(200, "POST", `/orders/${other}/cancel`)
    await expectStatus(400, "POST", "/orders/ord-nobody/cancel")
    await expectStatus(201, "POST", "/saga/place-order", {
      body: { product: "Widget", quantity: 1, price: 2 }
    })
    const failed = await expectStatus(400, "POST", "/saga/place-order", {
      body: { product: "Doohickey", quantity: 1, price: 2 }
    })
    expect(at(failed.body, "error")).toBe("Saga failed at step 'reserve_inventory'")
    await expectStatus(422, "POST", "/saga/place-order", { body: { quantity: "many" } })
    for (const path of ["/saga/status", "/events/stats", "/cqrs/stats", "/inventory"])
      await expectStatus(200, "GET", path)
  })

  it("the operational routes", async () => {
    for (const path of ["/health", "/health/ready", "/health/live", "/openapi.json"])
      await expectStatus(200, "GET", path)
    await expectStatus(200, "GET", "/metrics")
    await expectStatus(200, "GET", "/docs")
    await expectStatus(200, "GET", "/")
  })

  it("a method not documented on a documented path is no route: a 404 route-not-found problem", async () => {
    const paths = at(doc, "paths")
    for (const template of Object.keys(isObject(paths) ? paths : {})) {
      const documented = Object.keys(isObject(paths) && isObject(paths[template]) ? paths[template] : {})
      const concrete = template.replace(/\{[^}]+\}/g, "x")
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"].filter(
        (m) => !documented.includes(m.toLowerCase())
      )) {
        const response = await fetch(`${demo.url}${concrete}`, { method })
        const body: unknown = await response.json()
        expect([response.status, at(body, "type")], `${method} ${concrete}`).toEqual([
          404,
          "urn:cello:problem:route-not-found"
        ])
      }
    }
  })

  it("no answer broke the document, and every documented operation was called", () => {
    expect(problems).toEqual([])
    expect(check.operations.filter((op) => !check.called.has(op))).toEqual([])
  })
})
