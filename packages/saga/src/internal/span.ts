/**
 * `Effect.withSpan`, but only when a tracer is installed: under Effect's native tracer, whose spans
 * go nowhere, a span per saga and per step cost several µs each. (The same helper as
 * @cello/eventsourcing's: pattern packages do not import each other.)
 */
import { Effect, Tracer } from "effect"

export const withSpan =
  (name: string, options: Tracer.SpanOptionsNoTrace) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiber((fiber) =>
      fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer
        ? effect
        : Effect.withSpan(effect, name, { ...options, captureStackTrace: false })
    )
