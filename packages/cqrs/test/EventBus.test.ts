import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Metric, Ref, Schema } from "effect"
import { CqrsConfig, EventBus, Metrics } from "../src/index.js"

class OrderPlaced extends Schema.TaggedClass<OrderPlaced>()("OrderPlaced", { orderId: Schema.String }) {}
class OrderShipped extends Schema.TaggedClass<OrderShipped>()("OrderShipped", { orderId: Schema.String }) {}

describe("EventBus", () => {
  it.live("delivers to every subscriber of the event, at most `concurrency` at once", () =>
    Effect.gen(function* () {
      const running = yield* Ref.make(0)
      const peak = yield* Ref.make(0)
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const slow = (name: string) =>
        EventBus.subscribe(name, OrderPlaced, (e) =>
          Effect.gen(function* () {
            const now = yield* Ref.updateAndGet(running, (n) => n + 1)
            yield* Ref.update(peak, (p) => Math.max(p, now))
            yield* Effect.sleep("20 millis")
            yield* Ref.update(running, (n) => n - 1)
            yield* Ref.update(seen, (s) => [...s, `${name}:${e.orderId}`])
          })
        )
      const layer = Layer.mergeAll(
        slow("a"),
        slow("b"),
        slow("c"),
        slow("d"),
        EventBus.subscribe("shipping", OrderShipped, () => Ref.update(seen, (s) => [...s, "shipping"]))
      ).pipe(Layer.provideMerge(EventBus.layer({ concurrency: 2 })))
      const result = yield* EventBus.publish(new OrderPlaced({ orderId: "o-1" })).pipe(Effect.provide(layer))
      assert.deepStrictEqual(result, { delivered: 4, failed: [] })
      assert.strictEqual(yield* Ref.get(peak), 2)
      assert.deepStrictEqual([...(yield* Ref.get(seen))].sort(), ["a:o-1", "b:o-1", "c:o-1", "d:o-1"])
    })
  )

  it.effect("a failing subscriber (error or defect) never stops the others, and is reported", () =>
    Effect.gen(function* () {
      const seen = yield* Ref.make(0)
      const layer = Layer.mergeAll(
        EventBus.subscribe("fails", OrderPlaced, () => Effect.fail("no stock service")),
        EventBus.subscribe("dies", OrderPlaced, () => Effect.die(new Error("bug"))),
        EventBus.subscribe("works", OrderPlaced, () => Ref.update(seen, (n) => n + 1))
      ).pipe(Layer.provideMerge(EventBus.layer()))
      const failures = Metric.withAttributes(Metrics.eventHandlerFailures, {
        event: "OrderPlaced",
        handler: "fails"
      })
      const before = (yield* Metric.value(failures)).count
      const result = yield* EventBus.publish(new OrderPlaced({ orderId: "o-2" })).pipe(Effect.provide(layer))
      assert.strictEqual(result.delivered, 1)
      assert.deepStrictEqual(
        result.failed.map((f) => f.handler),
        ["fails", "dies"]
      )
      assert.match(result.failed[1]?.error ?? "", /bug/)
      assert.strictEqual(yield* Ref.get(seen), 1)
      assert.strictEqual((yield* Metric.value(failures)).count - before, 1)
    })
  )

  it.effect("enableEventSync: false pauses delivery", () =>
    Effect.gen(function* () {
      const seen = yield* Ref.make(0)
      const layer = EventBus.subscribe("works", OrderPlaced, () => Ref.update(seen, (n) => n + 1)).pipe(
        Layer.provideMerge(EventBus.layer()),
        Layer.provide(CqrsConfig.layer({ enableEventSync: false }))
      )
      const result = yield* EventBus.publish(new OrderPlaced({ orderId: "o-3" })).pipe(Effect.provide(layer))
      assert.deepStrictEqual([result.delivered, yield* Ref.get(seen)], [0, 0])
    })
  )
})
