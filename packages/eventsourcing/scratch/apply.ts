import { Checkpoint, EventCatalog, Projection, type EventEnvelope } from "@cello/eventsourcing"
import { DateTime, Effect, Option, Schema } from "effect"

class OrderPlaced extends Schema.TaggedClass<OrderPlaced>()("OrderPlaced", { orderId: Schema.String, line: Schema.Number }) {}
class OrderLineAdded extends Schema.TaggedClass<OrderLineAdded>()("OrderLineAdded", {
  orderId: Schema.String, line: Schema.Number, sku: Schema.String, quantity: Schema.Number }) {}
const payload = (n: number) => n % 10 === 0 ? { orderId: `order-${Math.floor(n / 10)}`, line: 0 }
  : { orderId: `order-${Math.floor(n / 10)}`, line: n % 10, sku: `sku-${n % 977}`, quantity: (n % 5) + 1 }
const page: EventEnvelope[] = Array.from({ length: 500 }, (_, n) => ({
  eventId: `e-${n}`, streamId: "s", type: n % 10 === 0 ? "OrderPlaced" : "OrderLineAdded", schemaVersion: 1,
  streamVersion: n + 1, position: n + 1, checkpoint: Checkpoint.make(1n, BigInt(n + 1)), timestamp: DateTime.makeUnsafe(0),
  data: payload(n), metadata: { correlationId: "c" } }))
const totals = { orders: 0, items: 0 }
const projection = Projection.make({ name: "totals", events: [OrderPlaced, OrderLineAdded], handlers: {
  OrderPlaced: () => Effect.sync(() => { totals.orders++ }),
  OrderLineAdded: (e) => Effect.sync(() => { totals.items += e.quantity }) } })
const oldEach = (events: ReadonlyArray<EventEnvelope>) => Effect.gen(function* () {
  for (const [i, envelope] of events.entries()) {
    const applied = yield* Effect.result(projection.apply(envelope))
    if (applied._tag === "Failure") return Option.some([i, applied.failure] as const)
  }
  return Option.none()
})
const pages = 400
const catalog = EventCatalog.make([OrderPlaced, OrderLineAdded])
const modes: Record<string, Effect.Effect<unknown>> = {
  old: Effect.gen(function* () { for (let p = 0; p < pages; p++) yield* oldEach(page) }),
  each: Effect.gen(function* () { for (let p = 0; p < pages; p++) yield* projection.applyEach(page) }),
  catalog: Effect.sync(() => { for (let p = 0; p < pages; p++) for (const e of page) catalog.decodeCurrent(e) }),
  ctor: Effect.sync(() => { for (let p = 0; p < pages; p++) for (const e of page) e.type === "OrderPlaced" ? new OrderPlaced(e.data as any) : new OrderLineAdded(e.data as any) }),
  decodeOnly: Effect.sync(() => { for (let p = 0; p < pages; p++) for (const e of page) Schema.decodeUnknownSync(e.type === "OrderPlaced" ? OrderPlaced : OrderLineAdded)({ ...e.data as object, _tag: e.type }) }),
}
const which = (process.env.ONLY ?? "old,each").split(",")
const res: Record<string, number[]> = {}
for (let r = 0; r < 8; r++) for (const k of which) {
  const c0 = process.cpuUsage(); await Effect.runPromise(modes[k]!); const c = process.cpuUsage(c0)
  if (r > 1) (res[k] ??= []).push((c.user + c.system) / (pages * 500))
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(10), "cpu µs/ev", v.map((x) => x.toFixed(2)).join(" "))
