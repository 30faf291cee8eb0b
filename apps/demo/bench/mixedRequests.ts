/**
 * The memory scenario: `count` requests to the demo, valid and invalid mixed, `inFlight` at a time:
 * orders created and read back, bodies that fail the schema (422), malformed JSON (400), orders and
 * routes that do not exist (404), a wrong media type (415).
 */
const json = { "content-type": "application/json" }

const kinds: ReadonlyArray<(url: string, id: string) => [string, RequestInit]> = [
  (url) => [
    `${url}/orders`,
    {
      method: "POST",
      headers: json,
      body: JSON.stringify({ user_id: "u", product: "Widget", quantity: 2, price: 9.5 })
    }
  ],
  (url, id) => [`${url}/orders/${id}`, {}],
  (url) => [
    `${url}/orders`,
    { method: "POST", headers: json, body: JSON.stringify({ product: "", quantity: 0 }) }
  ],
  (url) => [`${url}/orders`, { method: "POST", headers: json, body: "{not json" }],
  (url) => [`${url}/orders/order-missing${Math.floor(Math.random() * 1e9)}`, {}],
  (url) => [`${url}/no/such/route/${Math.floor(Math.random() * 1e9)}`, {}],
  (url) => [`${url}/orders`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }]
]

/** Sends them; answers by status. */
export const mixedRequests = async (
  url: string,
  count: number,
  inFlight = 50
): Promise<Map<number, number>> => {
  const statuses = new Map<number, number>()
  let lastId = "order-none"
  let sent = 0
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (sent < count) {
        const kind = kinds[sent % kinds.length]
        sent++
        if (kind === undefined) continue
        const [target, init] = kind(url, lastId)
        const res = await fetch(target, init)
        const body: unknown = await res.json().catch(() => undefined)
        const data = typeof body === "object" && body !== null ? Reflect.get(body, "data") : undefined
        const id = typeof data === "object" && data !== null ? Reflect.get(data, "order_id") : undefined
        if (typeof id === "string") lastId = id
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      }
    })
  )
  return statuses
}
