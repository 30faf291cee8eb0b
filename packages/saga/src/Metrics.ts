/** Saga metrics; each is updated with the attribute `saga` (the definition's name), steps also `step`. */
import { Metric } from "effect"

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

export const stepDuration = Metric.timer("cello_saga_step_duration", {
  description: "Time of one step attempt"
})
