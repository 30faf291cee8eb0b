/** Saga metrics; each is updated with the attribute `saga` (the definition's name), steps also `step`. */
import { Duration, Metric } from "effect"

/**
 * Buckets of every duration histogram, in seconds (Prometheus convention): 1 ms to 10 s in a dozen
 * steps, so each labelled series costs 15 lines of `/metrics`, not the 38 of Effect's default timer.
 * The same in eventsourcing, cqrs and saga.
 */
export const durationBoundaries: ReadonlyArray<number> = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
]

/** A histogram of durations, recorded in seconds: `Effect.trackDuration` takes it like a timer. */
const seconds = (
  name: string,
  description: string
): Metric.Metric<Duration.Duration, Metric.HistogramState> =>
  Metric.mapInput(Metric.histogram(name, { description, boundaries: durationBoundaries }), Duration.toSeconds)

/** Sagas started (`execute` and `start`). */
export const executions = Metric.counter("cello_saga_executions_total", {
  description: "Sagas started",
  incremental: true
})

/** Sagas that reached a terminal status, with the attribute `status`. */
export const finished = Metric.counter("cello_saga_finished_total", {
  description: "Sagas that reached a terminal status",
  incremental: true
})

export const stepCompletions = Metric.counter("cello_saga_step_completions_total", {
  description: "Step actions that completed",
  incremental: true
})

/** Step action attempts that failed (each retry counts). */
export const stepFailures = Metric.counter("cello_saga_step_failures_total", {
  description: "Step action attempts that failed",
  incremental: true
})

/** Compensations that ran to completion. */
export const compensations = Metric.counter("cello_saga_compensations_total", {
  description: "Compensations completed",
  incremental: true
})

/**
 * Compensations that failed for good (a failure not to retry, or transient ones past
 * `compensationRetryFor`), with the attribute `step`: each leaves its saga `compensation_failed`
 * until recovery or an operator retries it. Alert on it.
 */
export const compensationFailures = Metric.counter("cello_saga_compensation_failed_total", {
  description: "Compensations that failed for good (the saga is compensation_failed)",
  incremental: true
})

/** Operator retries of a `compensation_failed` saga (`retryCompensation`) and recovery's re-tries. */
export const compensationRetries = Metric.counter("cello_saga_compensation_retries_total", {
  description: "compensation_failed sagas taken up again",
  incremental: true
})

/** Timeouts, with the attribute `kind`: `step` (one attempt) or `saga` (the overall timeout). */
export const timeouts = Metric.counter("cello_saga_timeouts_total", {
  description: "Step attempts and sagas that timed out",
  incremental: true
})

/** Sagas taken over by recovery. */
export const recoveries = Metric.counter("cello_saga_recoveries_total", {
  description: "Sagas resumed by recovery",
  incremental: true
})

export const stepDuration = seconds(
  "cello_saga_step_duration_seconds",
  "Time of one step attempt, in seconds"
)
