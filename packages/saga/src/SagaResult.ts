/** What running or recovering a saga ends with, and what `status` shows of one. */
import type { LogEntry, SagaRecord, Status } from "./SagaRecord.js"

export interface SagaResult<C> {
  readonly sagaId: string
  readonly name: string
  /** Terminal (`completed`, `compensated`, `compensation_failed`, `failed`, `dead_letter`). */
  readonly status: Status
  /** Steps whose action completed, in order (the fallback's name where the fallback ran). */
  readonly stepsCompleted: ReadonlyArray<string>
  /** The step whose action failed after its retries and fallback, if any. */
  readonly failedStep: string | undefined
  readonly error: string | undefined
  /** Steps whose compensation completed, in the order they ran (reverse step order). */
  readonly compensatedSteps: ReadonlyArray<string>
  /** With `compensation_failed`: the first step whose compensation failed after its retries, and why. */
  readonly compensationFailedStep: string | undefined
  readonly compensationError: string | undefined
  /** The latest context (after the last completed step). */
  readonly context: C
}

/** A stored saga with its step log, as `SagaOrchestrator.status` reports it. */
export interface Execution extends SagaRecord {
  readonly stepsCompleted: ReadonlyArray<string>
  readonly compensatedSteps: ReadonlyArray<string>
  readonly log: ReadonlyArray<LogEntry>
}

/** What one `recover()` pass did. */
export interface RecoveryReport {
  /** Sagas this instance took over, with how each ended (`dead_letter` when recovery gave up). */
  readonly recovered: ReadonlyArray<SagaResult<unknown>>
  /** Ids of sagas in flight whose definition this orchestrator does not know (register it). */
  readonly unknown: ReadonlyArray<string>
}

/** The steps completed and compensated according to a step log. */
export const summarize = (
  log: ReadonlyArray<LogEntry>
): { readonly stepsCompleted: ReadonlyArray<string>; readonly compensatedSteps: ReadonlyArray<string> } => ({
  stepsCompleted: log.filter((e) => e.phase === "act" && e.status === "completed").map((e) => e.step),
  compensatedSteps: log.filter((e) => e.phase === "compensate" && e.status === "completed").map((e) => e.step)
})
