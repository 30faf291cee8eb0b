/**
 * An inline projection's span: `Projection.apply` (inside `EventStore.append`) when a tracer that
 * records spans is installed; none with Effect's native tracer, where spans go nowhere, so the
 * untraced hot path opens no span at all (no `Repository` or `EventStore` span either).
 */
import { Projection, Repository } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Ref, Tracer } from "effect"
import { create, Order, OrderCreated } from "../examples/order.js"
import { Base } from "./summaries.js"

/** A projection that records the name of the span each event is applied under. */
const spanNames = (seen: Ref.Ref<ReadonlyArray<string>>) =>
  Projection.make({
    name: "span-names",
    events: [OrderCreated],
    handlers: {
      OrderCreated: () =>
        Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (span) =>
          Ref.update(seen, (names) => [
            ...names,
            Option.isSome(span) && span.value._tag === "Span" ? span.value.name : "none"
          ])
        )
    },
    reset: Effect.void
  })

// Effect's native tracer behind another identity: it records like any tracer an exporter installs.
const recording = Tracer.make({ span: (options) => Tracer.nativeTracer.span(options) })

describe("inline projection spans", () => {
  it.effect.each([
    ["Effect's native tracer", Tracer.nativeTracer, "none"],
    ["a recording tracer", recording, "Projection.apply"]
  ] as const)("with %s, a projection runs under %s", ([, tracer, expected]) =>
    Effect.gen(function* () {
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      yield* Repository.handle(Order, "o-1", create("o-1", "c", ["Widget"])).pipe(
        Effect.provide(Projection.layerInline([spanNames(seen)]).pipe(Layer.provideMerge(Base))),
        Effect.provideService(Tracer.Tracer, tracer)
      )
      assert.deepStrictEqual(yield* Ref.get(seen), [expected])
    })
  )
})
