/**
 * The W3C trace context (`traceparent`) of the span open now, kept with stored work so that whoever
 * picks the work up later (an async projection, a recovered saga) links its span to the trace that
 * caused it. Taken only when a tracer records spans: with Effect's native tracer (no exporter), there
 * is nothing to link to and nothing is stored.
 *
 * The pattern packages may not import each other, so this file is in eventsourcing and saga, byte
 * for byte the same (a test in saga holds it).
 */
import { Effect, type Fiber, Tracer } from "effect"

const wellFormed = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/
const allZero = /^0+$/

/** The `traceparent` of the fiber's current span: undefined without a recording tracer or when sampled out. */
export const ofFiber = (fiber: Fiber.Fiber<unknown, unknown>): string | undefined => {
  const tracer = fiber.cache.tracer
  const span = fiber.cache.span
  if (tracer === undefined || tracer === Tracer.nativeTracer || span === undefined || !span.sampled)
    return undefined
  const traceparent = `00-${span.traceId}-${span.spanId}-01`
  return wellFormed.test(traceparent) ? traceparent : undefined
}

/** The `traceparent` of the current span, as `ofFiber`. */
export const current: Effect.Effect<string | undefined> = Effect.withFiberSucceed(ofFiber)

/**
 * A link to the span a stored `traceparent` names; undefined for anything else (absent, malformed,
 * all-zero ids), so a hand-edited value never fails the work that reads it.
 */
export const link = (
  traceparent: unknown,
  attributes: Readonly<Record<string, unknown>> = {}
): Tracer.SpanLink | undefined => {
  if (typeof traceparent !== "string") return undefined
  const ids = wellFormed.exec(traceparent)
  const traceId = ids?.[1]
  const spanId = ids?.[2]
  if (traceId === undefined || spanId === undefined || allZero.test(traceId) || allZero.test(spanId))
    return undefined
  return { span: Tracer.externalSpan({ traceId, spanId, sampled: true }), attributes }
}
