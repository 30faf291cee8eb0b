/**
 * Saga definitions: a name, a context with a Schema (so it can be stored and restored), ordered
 * steps, and an overall timeout. Definitions are plain values; `SagaOrchestrator` runs them.
 */
import { Duration, type Effect, Schema } from "effect"
import { toMermaid as mermaid } from "./internal/mermaid.js"

/** What a step action or compensation is told besides the context. */
export interface StepInfo {
  readonly sagaId: string
  readonly saga: string
  readonly step: string
  /** 1 for the first try, then one more per retry. */
  readonly attempt: number
  /**
   * `${sagaId}:${step}`: the same on every retry and after a crash, so the called service can
   * recognize a repeated request. (A step logged started but not completed runs again on recovery.)
   */
  readonly idempotencyKey: string
  /** In a compensation: why the saga is compensating (the failed step's error); absent in an action. */
  readonly failure?: string
}

/** How a step's action is retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (default: `SagaConfig.maxRetries`). */
  readonly maxRetries?: number
  /** Delay before the first retry, doubling each time (default: `SagaConfig.retryDelay`). */
  readonly retryDelay?: Duration.Input
  /**
   * Which failures are retried (default: `Transient.isTransient`: conflicts, stores down, timeouts).
   * A declared business rejection is not: it would only come back, later.
   */
  readonly retryOn?: (error: unknown) => boolean
}

/**
 * How a step's compensation is retried: its own policy, not the action's. An abandoned compensation
 * is lost money, so by default it keeps retrying transient failures, with exponential backoff and
 * jitter, for `SagaConfig.compensationRetryFor`.
 */
export interface CompensationRetryPolicy {
  /** Delay before the first retry, doubling each time (default: `SagaConfig.compensationRetryDelay`). */
  readonly retryDelay?: Duration.Input
  /** The longest delay between two attempts (default: `SagaConfig.compensationMaxDelay`). */
  readonly maxDelay?: Duration.Input
  /**
   * How long to keep retrying, from the compensation's first attempt in this run, before the saga
   * ends `compensation_failed` (default: `SagaConfig.compensationRetryFor`).
   */
  readonly retryFor?: Duration.Input
  /** Which failures are retried (default: `Transient.isTransient`); others end it at once. */
  readonly retryOn?: (error: unknown) => boolean
}

export interface CircuitBreakerPolicy {
  /** Consecutive failures of the step (after its retries) that open the breaker. */
  readonly maxFailures: number
  /** How long the breaker stays open before letting one trial call through (half-open). */
  readonly resetAfter: Duration.Input
}

/**
 * A step. Methods (not function properties) so a saga over a specific context is still a saga
 * (`Saga.Any`) in lists of definitions.
 */
export interface Step<C, R = never> {
  readonly name: string
  /** Does the step's work and returns the updated context. */
  action(context: C, info: StepInfo): Effect.Effect<C, unknown, R>
  /**
   * Undoes the action, given the latest context; idempotent (it may run again after a crash). It also
   * runs for an action cut by a timeout, whose effect is unknown: undo what `info.idempotencyKey`
   * did, and nothing when it did nothing.
   */
  compensate?(context: C, info: StepInfo): Effect.Effect<void, unknown, R>
  /** How the action is retried (default: `SagaConfig`'s count and delay, transient failures only). */
  readonly retry?: RetryPolicy
  /** How the compensation is retried; independent of `retry`. */
  readonly compensationRetry?: CompensationRetryPolicy
  /** Time limit of one attempt; a timed-out attempt counts as a failure and is retried. */
  readonly timeout?: Duration.Input
  /**
   * Runs when the action fails after its retries (or its breaker is open); its own compensation then
   * applies. Not after a timeout that left the action's effect unknown: the saga compensates instead.
   */
  readonly fallback?: Step<C, R>
  /** Guards the action: while open, the action is skipped and the fallback runs at once. */
  readonly circuitBreaker?: CircuitBreakerPolicy
}

export interface Saga<C, R = never> {
  readonly name: string
  readonly context: Schema.Codec<C, unknown>
  /** The context's JSON codec (what stores keep), derived once from `context`. */
  readonly contextJson: Schema.Codec<C, Schema.Json>
  readonly steps: ReadonlyArray<Step<C, R>>
  /** Overall time of the forward run (default: `SagaConfig.timeout`); past it the saga compensates. */
  readonly timeout: Duration.Duration | undefined
}

/** The services a saga's steps need. */
export type Services<S> = S extends Saga<infer _C, infer R> ? R : never

export interface Definition<C, Rs extends ReadonlyArray<unknown>> {
  readonly name: string
  readonly context: Schema.Codec<C, unknown>
  /** One entry per step; each step's services are inferred on its own, the saga needs them all. */
  readonly steps: { readonly [K in keyof Rs]: Step<C, Rs[K]> }
  readonly timeout?: Duration.Input
}

/**
 * Defines a saga. The steps' services are inferred from their actions.
 *
 * ```ts
 * const Transfer = Saga.make({
 *   name: "transfer",
 *   context: TransferContext,
 *   steps: [{ name: "withdraw", action: withdraw, compensate: refund }, { name: "deposit", action: deposit }]
 * })
 * ```
 */
export const make = <C, const Rs extends ReadonlyArray<unknown>>(
  definition: Definition<C, Rs>
): Saga<C, Rs[number]> => {
  const steps: ReadonlyArray<Step<C, Rs[number]>> = definition.steps
  return {
    name: definition.name,
    context: definition.context,
    contextJson: Schema.toCodecJson(definition.context),
    steps,
    timeout: definition.timeout === undefined ? undefined : Duration.fromInputUnsafe(definition.timeout)
  }
}

/** A Mermaid flowchart of the saga: steps forward, fallbacks, compensations in reverse. */
export const toMermaid = <C, R>(saga: Saga<C, R>): string => mermaid(saga)
