/**
 * The HTTP metrics, labelled by the route's template (never the raw path, whose ids would make one
 * series per resource): requests by method, route and status, and latency by method and route.
 */
import { type Context, Effect, Metric } from "effect"

export const requests = Metric.counter("http_requests_total", {
  description: "HTTP requests answered, by method, route and status",
  incremental: true
})

const boundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export const duration = Metric.histogram("http_request_duration_seconds", {
  description: "HTTP request latency in seconds, by method and route",
  boundaries
})

// One metric per series with its attributes built in, made once: making one per request (its key is
// the serialized attributes) was a measurable part of a trivial request, and `Metric.withAttributes`
// adds its attributes to the context on every update (a copy of the context's map once it is deep).
// The series are few: the router routes only standard methods (any other is answered before the
// adapter sees it), routes are templates, statuses are three digits.
const series = new Map<
  string,
  { readonly count: Metric.Counter<number>; readonly time: Metric.Histogram<number> }
>()

const seriesOf = (method: string, route: string, status: number) => {
  const key = `${method} ${route} ${status}`
  let found = series.get(key)
  if (found === undefined) {
    found = {
      count: Metric.counter(requests.id, {
        description: requests.description,
        incremental: true,
        attributes: { method, route, status: String(status) }
      }),
      time: Metric.histogram(duration.id, {
        description: duration.description,
        boundaries,
        attributes: { method, route }
      })
    }
    series.set(key, found)
  }
  return found
}

export const record = (method: string, route: string, status: number, seconds: number): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    recordUnsafe(fiber.context, method, route, status, seconds)
    return Effect.void
  })

/** `record` inside an effect that already holds the fiber's context (the registry is read from it). */
export const recordUnsafe = (
  context: Context.Context<never>,
  method: string,
  route: string,
  status: number,
  seconds: number
): void => {
  const { count, time } = seriesOf(method, route, status)
  count.updateUnsafe(1, context)
  time.updateUnsafe(seconds, context)
}
