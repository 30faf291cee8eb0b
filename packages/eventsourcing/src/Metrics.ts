import { Metric } from "effect"

/** Events written by appends (counted after commit). */
export const eventsAppended = Metric.counter("cello_events_appended_total", {
  description: "Events appended to the event store",
  incremental: true
})

/** Events folded into aggregate state while loading. */
export const eventsReplayed = Metric.counter("cello_events_replayed_total", {
  description: "Events replayed to rebuild aggregate state",
  incremental: true
})

export const snapshotsCreated = Metric.counter("cello_snapshots_created_total", {
  description: "Aggregate snapshots written",
  incremental: true
})

export const appendDuration = Metric.timer("cello_event_append_duration", {
  description: "Time to append to the event store"
})

export const loadDuration = Metric.timer("cello_aggregate_load_duration", {
  description: "Time to load an aggregate (snapshot + events)"
})

/** Events applied by projections, by projection name (attribute `projection`). */
export const projectionEvents = Metric.counter("cello_projection_events_total", {
  description: "Events applied by projections",
  incremental: true
})

/** How far behind the newest event a live subscription delivers (ms from append to delivery). */
export const subscriptionLag = Metric.histogram("cello_subscription_lag_ms", {
  description: "Delay between an event's append and its delivery to a live subscription",
  boundaries: Metric.exponentialBoundaries({ start: 1, factor: 2, count: 16 })
})
