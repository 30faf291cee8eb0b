/**
 * What a saga store keeps: one row per saga (status, context as JSON, version, lease) and its step
 * log, an append-only list of act/compensate × started/completed/failed entries.
 */
import type { DateTime } from "effect"

/**
 * - `running`, `compensating`: in flight (recovery resumes them);
 * - `completed`: every step ran;
 * - `compensated`: a step failed and every completed step (and one a timeout cut) was undone;
 * - `compensation_failed`: a step failed and at least one compensation failed after its retries (the
 *   others still ran);
 * - `failed`: a step failed and nothing needed undoing;
 * - `dead_letter`: recovery gave up after its bounded attempts.
 */
export type Status =
  | "running"
  | "compensating"
  | "completed"
  | "compensated"
  | "compensation_failed"
  | "failed"
  | "dead_letter"

export const statuses: ReadonlyArray<Status> = [
  "running",
  "compensating",
  "completed",
  "compensated",
  "compensation_failed",
  "failed",
  "dead_letter"
]

/** Statuses a saga never leaves. */
/** True for the name of a status (a filter typed by an operator, a query parameter). */
export const isStatus = (value: string): value is Status => statuses.some((status) => status === value)

export const isTerminal = (status: Status): boolean => status !== "running" && status !== "compensating"

export type Phase = "act" | "compensate"

export type StepStatus = "started" | "completed" | "failed"

export interface SagaRecord {
  readonly id: string
  /** The saga definition's name: recovery finds the definition by it. */
  readonly name: string
  readonly status: Status
  /** The context as JSON (the definition's Schema encodes and decodes it). */
  readonly context: unknown
  /** Bumped by every write; writers compare-and-set on it. */
  readonly version: number
  /** The instance running the saga, while its lease lasts. */
  readonly owner: string | undefined
  readonly leaseExpiresAt: DateTime.Utc | undefined
  /** The step whose action failed (or the saga timeout's step), and why. */
  readonly failedStep: string | undefined
  readonly error: string | undefined
  /** The first step whose compensation failed after its retries, and why. */
  readonly compensationFailedStep: string | undefined
  readonly compensationError: string | undefined
  /** How many times recovery took the saga over. */
  readonly recoveryAttempts: number
  /**
   * Ties the saga to what started it: the correlation id of the request (or command) that ran it, or
   * the saga's own id when nothing did. Every event its steps append carries it.
   */
  readonly correlationId: string | undefined
  /**
   * The W3C trace context of the span that started the saga, when a tracer recorded it: recovery links
   * its span to that trace.
   */
  readonly traceparent: string | undefined
  readonly createdAt: DateTime.Utc
  readonly updatedAt: DateTime.Utc
}

/** One step-log entry as written. `index` is the step's position in the definition. */
export interface NewLogEntry {
  readonly index: number
  /** The step that ran: the step's own name, or its fallback's. */
  readonly step: string
  readonly phase: Phase
  readonly status: StepStatus
  /** 1 for the first try, then one more per retry. */
  readonly attempt: number
  readonly error?: string | undefined
}

export interface LogEntry extends NewLogEntry {
  readonly sagaId: string
  /** Order of entries within the saga's log. */
  readonly sequence: number
  readonly error: string | undefined
  readonly at: DateTime.Utc
}

/** A new saga row; the store sets version 1, the lease and the timestamps. */
export interface NewSaga {
  readonly id: string
  readonly name: string
  readonly status: Status
  readonly context: unknown
  readonly owner: string
  /** Stored as the record's `correlationId`. */
  readonly correlationId?: string
  /** Stored as the record's `traceparent`. */
  readonly traceparent?: string
}

/** Fields a write changes; absent fields keep their value. */
export interface SagaChanges {
  readonly status?: Status
  readonly context?: unknown
  readonly failedStep?: string
  readonly error?: string
  readonly compensationFailedStep?: string
  readonly compensationError?: string
}

export interface ListOptions {
  readonly status?: Status | ReadonlyArray<Status>
  readonly name?: string
  /** Default 100. */
  readonly limit?: number
}
