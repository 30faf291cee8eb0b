/**
 * Async projections join the trace of the events they process: an append under a recording tracer
 * stores its span's `traceparent` in every event's metadata, and the runner's span for a page links to
 * each trace the page's events came from. With Effect's native tracer (no exporter) nothing is stored
 * and no page span is opened.
 */
import { EventStore, Projection, ProjectionRunner, Repository, TraceContext } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option, Tracer } from "effect"
import { create, Order, OrderCreated } from "../examples/order.js"
import { Base, rows, summaries } from "./summaries.js"

/** A tracer that records like any exporter's and keeps every span it made. */
const recorder = () => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = Tracer.nativeTracer.span(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer, named: (name: string) => spans.filter((s) => s.name === name) }
}

const place = (id: string) =>
  Repository.handle(Order, id, create(id, "c", ["Widget"])).pipe(Effect.withSpan(`request ${id}`))

const metadataOf = (streamId: string) =>
  Effect.map(EventStore.readStream(streamId), (events) => events.map((e) => e.metadata))

const linkedTo = (span: Tracer.Span): ReadonlyArray<string> =>
  span.links.map((l) => `${l.span.traceId}/${l.span.spanId}`)

describe("trace context in event metadata", () => {
  it.effect("an append under a recording tracer stores its span's traceparent", () =>
    Effect.gen(function* () {
      const { tracer, named } = recorder()
      yield* place("o-1").pipe(Effect.provideService(Tracer.Tracer, tracer))
      const [append] = named("EventStore.append")
      const [request] = named("request o-1")
      assert.isDefined(append)
      assert.strictEqual(append?.traceId, request?.traceId)
      const metadata = yield* metadataOf("Order-o-1")
      assert.deepStrictEqual(
        metadata.map((m) => m.traceparent),
        [`00-${append?.traceId}-${append?.spanId}-01`]
      )
    }).pipe(Effect.provide(Base))
  )

  it.effect("with Effect's native tracer, or a sampled-out span, no traceparent is stored", () =>
    Effect.gen(function* () {
      yield* place("o-1")
      const { tracer } = recorder()
      yield* place("o-2").pipe(
        Effect.withSpan("sampled out", { sampled: false }),
        Effect.provideService(Tracer.Tracer, tracer)
      )
      for (const id of ["o-1", "o-2"])
        assert.deepStrictEqual(
          (yield* metadataOf(`Order-${id}`)).map((m) => "traceparent" in m),
          [false]
        )
    }).pipe(Effect.provide(Base))
  )

  it.effect("a traceparent the caller gives in metadata wins over the captured one", () =>
    Effect.gen(function* () {
      const { tracer } = recorder()
      const given = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
      yield* EventStore.append("S-1", [{ type: "T", data: {} }], { metadata: { traceparent: given } }).pipe(
        Effect.provideService(Tracer.Tracer, tracer)
      )
      assert.deepStrictEqual(
        (yield* metadataOf("S-1")).map((m) => m.traceparent),
        [given]
      )
    }).pipe(Effect.provide(Base))
  )
})

describe("TraceContext.link", () => {
  it("links to the span a well-formed traceparent names", () => {
    const link = TraceContext.link("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", { a: 1 })
    assert.deepStrictEqual(
      [link?.span.traceId, link?.span.spanId, link?.attributes],
      ["0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", { a: 1 }]
    )
  })

  it("is undefined for anything else", () => {
    for (const value of [
      undefined,
      42,
      "",
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
      "00-00000000000000000000000000000000-b7ad6b7169203331-01",
      "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
      "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
      "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    ])
      assert.isUndefined(TraceContext.link(value))
  })
})

describe("async projection spans", () => {
  it.effect("catchUp applies each page in a span linked to the traces of its events", () =>
    Effect.gen(function* () {
      const { tracer, named } = recorder()
      yield* Effect.gen(function* () {
        for (const id of ["a", "b", "c"]) yield* place(id)
        yield* EventStore.append("Untraced-1", [{ type: "Other", data: {} }], {
          metadata: { traceparent: "not a trace context" }
        })
        yield* ProjectionRunner.catchUp(summaries(), { batchSize: 2 })
      }).pipe(Effect.provideService(Tracer.Tracer, tracer))
      const appends = named("EventStore.append").map((s) => `${s.traceId}/${s.spanId}`)
      const pages = named("ProjectionRunner.apply")
      // Two full pages (a, b | c, the untraced event) and the empty read that ends the catch-up.
      assert.deepStrictEqual(
        pages.map((p) => [p.attributes.get("cello.events"), linkedTo(p)]),
        [
          [2, appends.slice(0, 2)],
          [2, appends.slice(2, 3)]
        ]
      )
      const catchUp = named("ProjectionRunner.catchUp")[0]
      for (const page of pages)
        assert.strictEqual(Option.getOrUndefined(page.parent)?.spanId, catchUp?.spanId)
      assert.deepStrictEqual([...(yield* rows).keys()].sort(), ["a", "b", "c"])
    }).pipe(Effect.provide(Base))
  )

  it.effect("events appended under one span give one link", () =>
    Effect.gen(function* () {
      const { tracer, named } = recorder()
      yield* Effect.gen(function* () {
        yield* Effect.forEach(["a", "b"], (id) => Repository.handle(Order, id, create(id, "c", ["Widget"])), {
          discard: true
        }).pipe(Effect.withSpan("one request"))
        yield* EventStore.append(
          "Order-c",
          [
            { type: "OrderCreated", data: { orderId: "c", customerId: "c", items: ["Widget"] } },
            { type: "OrderShipped", data: { orderId: "c", trackingNumber: "T" } }
          ],
          { expectedVersion: "no_stream" }
        )
        yield* ProjectionRunner.catchUp(summaries())
      }).pipe(Effect.provideService(Tracer.Tracer, tracer))
      const [page] = named("ProjectionRunner.apply")
      // Three appends (a, b, then c's two events in one): three links, not four.
      assert.strictEqual(page?.attributes.get("cello.events"), 4)
      assert.deepStrictEqual(
        page === undefined ? [] : linkedTo(page),
        named("EventStore.append").map((s) => `${s.traceId}/${s.spanId}`)
      )
    }).pipe(Effect.provide(Base))
  )

  it.effect("a page links to at most 128 traces, the first in log order", () =>
    Effect.gen(function* () {
      const { tracer, named } = recorder()
      yield* Effect.gen(function* () {
        for (let i = 0; i < 130; i++)
          yield* EventStore.append(`S-${i}`, [{ type: "Other", data: {} }]).pipe(
            Effect.withSpan(`request ${i}`)
          )
        yield* ProjectionRunner.catchUp(summaries())
      }).pipe(Effect.provideService(Tracer.Tracer, tracer))
      const [page] = named("ProjectionRunner.apply")
      assert.strictEqual(page?.attributes.get("cello.events"), 130)
      assert.deepStrictEqual(
        page === undefined ? [] : linkedTo(page),
        named("EventStore.append")
          .slice(0, 128)
          .map((s) => `${s.traceId}/${s.spanId}`)
      )
    }).pipe(Effect.provide(Base))
  )

  it.effect("with Effect's native tracer, no page span: the handlers run under catchUp's span", () =>
    Effect.gen(function* () {
      yield* place("a")
      const parents: Array<string> = []
      yield* ProjectionRunner.catchUp(
        Projection.make({
          name: "spans",
          events: [OrderCreated],
          handlers: {
            OrderCreated: () =>
              Effect.map(Effect.currentSpan, (span) => {
                parents.push(span.name)
              }).pipe(Effect.orDie)
          }
        })
      )
      assert.deepStrictEqual(parents, ["ProjectionRunner.catchUp"])
    }).pipe(Effect.provide(Base))
  )

  it.live("run applies each page in a root span of its own, linked to the request's trace", () =>
    Effect.gen(function* () {
      const { tracer, named } = recorder()
      yield* Effect.gen(function* () {
        const runner = yield* Effect.forkChild(ProjectionRunner.run(summaries()))
        yield* place("live")
        yield* Effect.sleep("10 millis").pipe(
          Effect.repeat({ until: () => named("ProjectionRunner.apply").length > 0, times: 500 })
        )
        yield* Fiber.interrupt(runner)
      }).pipe(Effect.provideService(Tracer.Tracer, tracer))
      const [page] = named("ProjectionRunner.apply")
      const [append] = named("EventStore.append")
      assert.isDefined(page)
      assert.isTrue(page !== undefined && Option.isNone(page.parent))
      assert.notStrictEqual(page?.traceId, append?.traceId)
      assert.deepStrictEqual(page === undefined ? [] : linkedTo(page), [
        `${append?.traceId}/${append?.spanId}`
      ])
    }).pipe(Effect.provide(Base))
  )
})
