/**
 * Health: `/health/live` says the process answers; `/health/ready` (and `/health`) runs every check
 * within a timeout and answers 503 when any is down, with each check's status and latency. A check
 * is any effect: `healthCheck("payments", PaymentsClient.ping)`. Failures report the error's tag
 * only: a readiness body is public and must not carry connection strings.
 */
import { EventStore } from "@cello/eventsourcing"
import { Cause, Clock, type Duration, Effect, Exit } from "effect"
import { tagOf } from "./ErrorMapping.js"

export interface HealthCheck<R = never> {
  readonly name: string
  readonly check: Effect.Effect<unknown, unknown, R>
}

export const healthCheck = <R = never>(
  name: string,
  check: Effect.Effect<unknown, unknown, R>
): HealthCheck<R> => ({
  name,
  check
})

/** The built-in check of an event store: it can tell its head. */
export const eventStore: HealthCheck<EventStore.EventStore> = healthCheck("event-store", EventStore.head)

export interface CheckResult {
  readonly status: "up" | "down"
  readonly latencyMs: number
  readonly error?: string
}

export interface Report {
  readonly status: "ok" | "unavailable"
  readonly checks: Readonly<Record<string, CheckResult>>
}

const reasonOf = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.findErrorOption(cause)
  if (error._tag === "Some") return tagOf(error.value) === "unknown" ? "failed" : tagOf(error.value)
  return Cause.hasDies(cause) ? "defect" : "interrupted"
}

const runOne = <R>(check: HealthCheck<R>, timeout: Duration.Duration): Effect.Effect<CheckResult, never, R> =>
  Effect.gen(function* () {
    const started = yield* Clock.currentTimeMillis
    const exit = yield* Effect.exit(Effect.timeout(check.check, timeout))
    const latencyMs = (yield* Clock.currentTimeMillis) - started
    if (Exit.isSuccess(exit)) return { status: "up", latencyMs }
    return { status: "down", latencyMs, error: reasonOf(exit.cause) }
  })

export const run = <R>(
  checks: ReadonlyArray<HealthCheck<R>>,
  timeout: Duration.Duration
): Effect.Effect<Report, never, R> =>
  Effect.gen(function* () {
    const results = yield* Effect.forEach(checks, (check) => runOne(check, timeout), {
      concurrency: "unbounded"
    })
    const entries: Record<string, CheckResult> = {}
    checks.forEach((check, i) => {
      const result = results[i]
      if (result !== undefined) entries[check.name] = result
    })
    return {
      status: results.every((r) => r.status === "up") ? "ok" : "unavailable",
      checks: entries
    }
  })
