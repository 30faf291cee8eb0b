import { Metric } from "effect"

/** Dispatches by `kind` (command/query) and `name`. */
export const dispatches = Metric.counter("cello_cqrs_dispatch_total", {
  description: "Commands and queries dispatched",
  incremental: true
})

/** Dispatch latency by `kind` and `name`. */
export const latency = Metric.timer("cello_cqrs_dispatch_duration", {
  description: "Time to handle a dispatch"
})

/** Failed dispatches by `kind`, `name` and `error` (the error's tag). */
export const errors = Metric.counter("cello_cqrs_dispatch_errors_total", {
  description: "Dispatches that failed, by error tag",
  incremental: true
})

/** Event handler failures by `event` and `handler`. */
export const eventHandlerFailures = Metric.counter("cello_cqrs_event_handler_failures_total", {
  description: "EventBus handlers that failed",
  incremental: true
})
