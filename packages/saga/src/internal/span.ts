/**
 * `Effect.withSpan`, but only when a tracer is installed: under Effect's native tracer, whose spans
 * go nowhere, a span per append, read, load, save, saga and step attempt cost several µs each on the
 * hot path. The same file in @cello/eventsourcing and @cello/saga (pattern packages do not import
 * each other); a test in @cello/saga keeps the two equal.
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
