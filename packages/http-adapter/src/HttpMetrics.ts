/**
 * The HTTP metrics, labelled by the route's template (never the raw path, whose ids would make one
 * series per resource): requests by method, route and status, and latency by method and route.
 */
import { Effect, Metric } from "effect"

export const requests = Metric.counter("http_requests_total", {
  description: "HTTP requests answered, by method, route and status",
  incremental: true
})

export const duration = Metric.histogram("http_request_duration_seconds", {
  description: "HTTP request latency in seconds, by method and route",
  boundaries: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
})

export const record = (method: string, route: string, status: number, seconds: number): Effect.Effect<void> =>
  Effect.asVoid(
    Effect.all([
      Metric.update(Metric.withAttributes(requests, { method, route, status: String(status) }), 1),
      Metric.update(Metric.withAttributes(duration, { method, route }), seconds)
    ])
  )
