/**
 * The saga state machine. Every transition is one store write that commits the new state and the
 * log entries together, and the entry that says the next step started rides on the write that says
 * the previous one completed: one round trip per step. Recovery rebuilds the state from the row and
 * the log and continues with the same functions.
 */
import { Cause, Clock, DateTime, Duration, Effect, Exit, Metric, Random, Schema, type Tracer } from "effect"
import {
  CircuitOpen,
  type SagaAlreadyExists,
  SagaConflict,
  SagaContextError,
  SagaTimedOut,
  StepTimedOut,
  type StoreUnavailable
} from "../Errors.js"
import * as MessageContext from "../MessageContext.js"
import * as Metrics from "../Metrics.js"
import type { Saga, Step, StepInfo } from "../Saga.js"
import type { Settings } from "../SagaConfig.js"
import type { LogEntry, NewLogEntry, Phase, SagaChanges, SagaRecord, Status } from "../SagaRecord.js"
import type { SagaResult } from "../SagaResult.js"
import type { SagaStoreShape } from "../SagaStore.js"
import * as TraceContext from "../TraceContext.js"
import { isTransient } from "../Transient.js"
import type { Breakers } from "./circuitBreaker.js"
import { describeCause } from "./describe.js"
import * as Series from "./series.js"
import { withSpan } from "./span.js"

export interface Engine {
  readonly store: SagaStoreShape
  readonly owner: string
  readonly config: Settings
  readonly breakers: Breakers
}

export type RunError = StoreUnavailable | SagaConflict

interface Completed {
  readonly index: number
  readonly step: string
}

/** A saga being run by this instance; mutated as its writes succeed. */
interface Run<C, R> {
  readonly engine: Engine
  readonly saga: Saga<C, R>
  readonly id: string
  /** What every step runs under: the correlation id of what started the saga. */
  readonly correlationId: string | undefined
  readonly encode: (context: C) => Effect.Effect<unknown, SagaContextError>
  /** Epoch millis past which the forward run stops and compensates. */
  readonly deadline: number
  version: number
  status: Status
  context: C
  readonly completed: Array<Completed>
  /**
   * The step whose action was cut by a timeout (or left started by a crash) and could not run again:
   * its effect may have committed, so it is compensated like a completed one.
   */
  uncertain: Completed | undefined
  readonly compensated: Array<string>
  failedStep: string | undefined
  error: string | undefined
  compensationFailedStep: string | undefined
  compensationError: string | undefined
}

type Outcome<A> =
  | { readonly _tag: "Done"; readonly value: A; readonly attempt: number }
  | {
      readonly _tag: "Failed"
      readonly error: string
      /** The typed failure (undefined for a defect or an interruption), for `retryOn`. */
      readonly failure: unknown
      readonly attempt: number
      readonly sagaTimeout: boolean
      /**
       * What the action did is unknown: its last attempt was cut by a timeout, or could not begin
       * after an earlier one was cut (or left started by a crash). A failure the action returned
       * itself settles it: the same idempotency key would have found an earlier effect.
       */
      readonly uncertain: boolean
    }

const executions = Series.counter(Metrics.executions)
const finished = Series.counter(Metrics.finished, "status")
const stepCompletions = Series.counter(Metrics.stepCompletions, "step")
const stepFailures = Series.counter(Metrics.stepFailures, "step")
const compensations = Series.counter(Metrics.compensations, "step")
const compensationFailures = Series.counter(Metrics.compensationFailures, "step")
const reopenings = Series.counter(Metrics.compensationRetries)
const recoveries = Series.counter(Metrics.recoveries)
const timeouts = Series.counter(Metrics.timeouts, "kind")
const stepDuration = Series.seconds(Metrics.stepDuration, "step")

const count = (metric: Metric.Metric<number, unknown>) => Metric.update(metric, 1)

const contextCodec = <C, R>(saga: Saga<C, R>, id: string) => {
  const json = saga.contextJson
  const fail = (error: Schema.SchemaError) =>
    new SagaContextError({ saga: saga.name, sagaId: id, detail: error.message })
  // Built once per run, not once per step.
  const encode = Schema.encodeEffect(json)
  return {
    encode: (context: C) => Effect.mapError(encode(context), fail),
    decode: (data: unknown) => Schema.decodeUnknownEffect(json)(data).pipe(Effect.mapError(fail))
  }
}

const timeoutOf = <C, R>(engine: Engine, saga: Saga<C, R>): Duration.Duration =>
  saga.timeout ?? engine.config.timeout

const started = (index: number, step: string, phase: Phase, attempt = 1): NewLogEntry => ({
  index,
  step,
  phase,
  status: "started",
  attempt
})

/** One write: compare-and-set on version and owner; the run's version follows. Never cut in half. */
const write = <C, R>(
  run: Run<C, R>,
  changes: SagaChanges,
  log: ReadonlyArray<NewLogEntry>,
  release = false
): Effect.Effect<void, StoreUnavailable | SagaConflict> =>
  run.engine.store
    .update(run.id, {
      version: run.version,
      owner: run.engine.owner,
      changes,
      log,
      lease: release ? "release" : run.engine.config.leaseDuration
    })
    .pipe(
      Effect.flatMap((version) =>
        Effect.sync(() => {
          run.version = version
          if (changes.status !== undefined) run.status = changes.status
        })
      ),
      Effect.uninterruptible
    )

const result = <C, R>(run: Run<C, R>): SagaResult<C> => ({
  sagaId: run.id,
  name: run.saga.name,
  status: run.status,
  stepsCompleted: run.completed.map((c) => c.step),
  failedStep: run.failedStep,
  error: run.error,
  compensatedSteps: [...run.compensated],
  compensationFailedStep: run.compensationFailedStep,
  compensationError: run.compensationError,
  context: run.context
})

const finish = <C, R>(run: Run<C, R>): Effect.Effect<SagaResult<C>> =>
  Effect.as(count(finished(run.saga.name, run.status)), result(run))

/**
 * One attempt of an action or compensation, under the step timeout and the saga deadline.
 * `uncertainBefore`: an earlier attempt left the step's effect unknown.
 */
const attempt = <A, C, R>(
  run: Run<C, R>,
  phase: Phase,
  step: Step<C, R>,
  attemptNo: number,
  body: (info: StepInfo) => Effect.Effect<A, unknown, R>,
  useDeadline: boolean,
  uncertainBefore: boolean
): Effect.Effect<Outcome<A>, never, R> =>
  // Steps of chained Effects, not a generator: this runs for every step of every saga.
  Effect.suspend(() => {
    const info: StepInfo = {
      sagaId: run.id,
      saga: run.saga.name,
      step: step.name,
      attempt: attemptNo,
      idempotencyKey: `${run.id}:${step.name}`,
      ...(phase === "compensate" && run.error !== undefined ? { failure: run.error } : {})
    }
    // The events a step appends share the saga's correlation id and name the step as their cause.
    let effect: Effect.Effect<A, unknown, R> = MessageContext.provide(body(info), {
      ...(run.correlationId === undefined ? {} : { correlationId: run.correlationId }),
      causationId: `saga:${run.id}:${step.name}${phase === "compensate" ? ":compensate" : ""}`
    })
    const stepTimeout = step.timeout
    if (stepTimeout !== undefined)
      effect = Effect.timeoutOrElse(effect, {
        duration: stepTimeout,
        orElse: () =>
          Effect.fail(
            new StepTimedOut({
              step: step.name,
              timeout: Duration.format(Duration.fromInputUnsafe(stepTimeout))
            })
          )
      })
    if (!useDeadline) return settle(run, phase, step, attemptNo, effect, true, uncertainBefore)
    return Effect.clockWith((clock) => {
      const remaining = run.deadline - clock.currentTimeMillisUnsafe()
      // Built only when the deadline is hit: an error captures a stack, a tenth of a no-op saga's CPU.
      const timedOut = Effect.suspend(() =>
        Effect.fail(
          new SagaTimedOut({
            saga: run.saga.name,
            timeout: Duration.format(timeoutOf(run.engine, run.saga))
          })
        )
      )
      // `ran`: whether the body may have run at all (not when the deadline had passed before it began).
      return remaining <= 0
        ? settle(run, phase, step, attemptNo, timedOut, false, uncertainBefore)
        : settle(
            run,
            phase,
            step,
            attemptNo,
            Effect.timeoutOrElse(effect, { duration: remaining, orElse: () => timedOut }),
            true,
            uncertainBefore
          )
    })
  })

/** Runs an attempt's effect, timed and (under a tracer) in a span, and says how it went. */
const settle = <A, C, R>(
  run: Run<C, R>,
  phase: Phase,
  step: Step<C, R>,
  attemptNo: number,
  effect: Effect.Effect<A, unknown, R>,
  ran: boolean,
  uncertainBefore: boolean
): Effect.Effect<Outcome<A>, never, R> =>
  Effect.flatMap(
    Effect.exit(
      effect.pipe(
        Effect.trackDuration(stepDuration(run.saga.name, step.name)),
        withSpan(`Saga.${phase === "act" ? "step" : "compensate"}`, {
          attributes: {
            "cello.saga": run.saga.name,
            "cello.saga_id": run.id,
            "cello.step": step.name,
            "cello.attempt": attemptNo
          }
        })
      )
    ),
    (exit): Effect.Effect<Outcome<A>> =>
      Exit.isSuccess(exit)
        ? Effect.succeed({ _tag: "Done", value: exit.value, attempt: attemptNo })
        : failed(run, phase, step, attemptNo, exit.cause, ran, uncertainBefore)
  )

const failed = <C, R>(
  run: Run<C, R>,
  phase: Phase,
  step: Step<C, R>,
  attemptNo: number,
  cause: Cause.Cause<unknown>,
  ran: boolean,
  uncertainBefore: boolean
): Effect.Effect<Outcome<never>> =>
  Effect.gen(function* () {
    const failure = cause.reasons.find(Cause.isFailReason)?.error
    const sagaTimeout = failure instanceof SagaTimedOut
    if (failure instanceof StepTimedOut) yield* count(timeouts(run.saga.name, "step"))
    if (phase === "act") yield* count(stepFailures(run.saga.name, step.name))
    const cut = failure instanceof StepTimedOut || (sagaTimeout && ran)
    return {
      _tag: "Failed",
      error: describeCause(cause),
      failure,
      attempt: attemptNo,
      sagaTimeout,
      uncertain: cut || (!ran && uncertainBefore)
    } as const
  })

/**
 * An action's attempts, with exponential backoff, while `retryOn` (default: transient failures only)
 * says the failure may pass. Each failed attempt that will be retried is logged (failed + the next
 * attempt started, one write) before the backoff sleep. A retry that could not start before the
 * saga's deadline is not waited for. `uncertain`: the step was left started by a crash.
 */
const withRetries = <A, C, R>(
  run: Run<C, R>,
  phase: "act",
  index: number,
  step: Step<C, R>,
  firstAttempt: number,
  body: (info: StepInfo) => Effect.Effect<A, unknown, R>,
  uncertain = false
): Effect.Effect<Outcome<A>, StoreUnavailable | SagaConflict, R> =>
  // The first attempt without a generator: most steps need no other.
  Effect.flatMap(attempt(run, phase, step, firstAttempt, body, true, uncertain), (outcome) =>
    outcome._tag === "Done"
      ? Effect.succeed(outcome)
      : retries(run, phase, index, step, firstAttempt, body, outcome)
  )

/** The attempts after attempt `n` of `withRetries` failed with `outcome`. */
const retries = <A, C, R>(
  run: Run<C, R>,
  phase: "act",
  index: number,
  step: Step<C, R>,
  n0: number,
  body: (info: StepInfo) => Effect.Effect<A, unknown, R>,
  first: Outcome<A>
): Effect.Effect<Outcome<A>, StoreUnavailable | SagaConflict, R> =>
  Effect.gen(function* () {
    const config = run.engine.config
    const maxAttempts = (step.retry?.maxRetries ?? config.maxRetries) + 1
    const baseDelay =
      step.retry?.retryDelay === undefined
        ? config.retryDelay
        : Duration.fromInputUnsafe(step.retry.retryDelay)
    const retryOn = step.retry?.retryOn ?? isTransient
    let outcome = first
    for (let n = n0; ; n++) {
      if (outcome._tag === "Done" || outcome.sagaTimeout || n >= maxAttempts || !retryOn(outcome.failure))
        return outcome
      const unknown = outcome.uncertain
      const delay = Duration.times(baseDelay, 2 ** (n - 1))
      if ((yield* Clock.currentTimeMillis) + Duration.toMillis(delay) >= run.deadline)
        return {
          ...outcome,
          sagaTimeout: true,
          error: `${outcome.error} (no time left to retry before the saga timeout)`
        }
      yield* write(run, {}, [
        { index, step: step.name, phase, status: "failed", attempt: n, error: outcome.error },
        started(index, step.name, phase, n + 1)
      ])
      yield* Effect.sleep(delay)
      outcome = yield* attempt(run, phase, step, n + 1, body, true, unknown)
    }
  })

const durationOr = (input: Duration.Input | undefined, fallback: Duration.Duration): Duration.Duration =>
  input === undefined ? fallback : Duration.fromInputUnsafe(input)

/**
 * A compensation's attempts, under its own policy (never the action's): while `retryOn` (default:
 * transient failures) says the failure may pass and `retryFor` has not run out since the first
 * attempt of this run, it waits (exponential from `retryDelay`, capped at `maxDelay`, ×0.8–1.2
 * jitter so contenders spread out) and tries again. Logged like an action's retries.
 */
const compensationRetries = <C, R>(
  run: Run<C, R>,
  index: number,
  step: Step<C, R>,
  firstAttempt: number,
  body: (info: StepInfo) => Effect.Effect<void, unknown, R>
): Effect.Effect<Outcome<void>, StoreUnavailable | SagaConflict, R> =>
  Effect.gen(function* () {
    const config = run.engine.config
    const policy = step.compensationRetry
    const baseMillis = Duration.toMillis(durationOr(policy?.retryDelay, config.compensationRetryDelay))
    const maxMillis = Duration.toMillis(durationOr(policy?.maxDelay, config.compensationMaxDelay))
    const retryFor = durationOr(policy?.retryFor, config.compensationRetryFor)
    const retryOn = policy?.retryOn ?? isTransient
    const since = yield* Clock.currentTimeMillis
    for (let n = firstAttempt, tries = 1; ; n++, tries++) {
      const outcome = yield* attempt(run, "compensate", step, n, body, false, false)
      if (outcome._tag === "Done" || !retryOn(outcome.failure)) return outcome
      const delay = Math.min(maxMillis, baseMillis * 2 ** (tries - 1)) * (0.8 + 0.4 * (yield* Random.next))
      if ((yield* Clock.currentTimeMillis) + delay - since > Duration.toMillis(retryFor))
        return {
          ...outcome,
          error: `${outcome.error} (still failing after retrying for ${Duration.format(retryFor)})`
        }
      yield* write(run, {}, [
        { index, step: step.name, phase: "compensate", status: "failed", attempt: n, error: outcome.error },
        started(index, step.name, "compensate", n + 1)
      ])
      yield* Effect.sleep(Duration.millis(delay))
    }
  })

/** The step that ran for a completed entry: the step itself or its fallback. */
const stepFor = <C, R>(saga: Saga<C, R>, done: Completed): Step<C, R> | undefined => {
  const step = saga.steps[done.index]
  if (step === undefined) return undefined
  if (step.name === done.step) return step
  return step.fallback?.name === done.step ? step.fallback : undefined
}

/** Completed steps (and the uncertain one) that have a compensation, newest first. */
const toUndo = <C, R>(run: Run<C, R>): ReadonlyArray<Completed> =>
  [...run.completed, ...(run.uncertain === undefined ? [] : [run.uncertain])]
    .sort((a, b) => b.index - a.index)
    .filter((c) => stepFor(run.saga, c)?.compensate !== undefined)

/**
 * Runs compensations in order; every one runs even when an earlier one failed. `attemptOf` numbers
 * each one's first attempt (after a crash or a reopen, the log's count goes on).
 */
const compensate = <C, R>(
  run: Run<C, R>,
  pending: ReadonlyArray<Completed>,
  attemptOf: (done: Completed) => number = () => 1
): Effect.Effect<SagaResult<C>, StoreUnavailable | SagaConflict, R> =>
  Effect.gen(function* () {
    for (const [k, done] of pending.entries()) {
      const step = stepFor(run.saga, done)
      const undo = step?.compensate
      const outcome: Outcome<void> =
        step === undefined || undo === undefined
          ? { _tag: "Done", value: undefined, attempt: 1 }
          : yield* compensationRetries(run, done.index, step, attemptOf(done), (info) =>
              undo.call(step, run.context, info)
            )
      const changes: { -readonly [K in keyof SagaChanges]: SagaChanges[K] } = {}
      let entry: NewLogEntry
      if (outcome._tag === "Done") {
        run.compensated.push(done.step)
        yield* count(compensations(run.saga.name, done.step))
        entry = {
          index: done.index,
          step: done.step,
          phase: "compensate",
          status: "completed",
          attempt: outcome.attempt
        }
      } else {
        entry = {
          index: done.index,
          step: done.step,
          phase: "compensate",
          status: "failed",
          attempt: outcome.attempt,
          error: outcome.error
        }
        yield* count(compensationFailures(run.saga.name, done.step))
        yield* Effect.logError(
          `saga ${run.id} (${run.saga.name}): compensation of step "${done.step}" failed for good; the saga ends compensation_failed until recovery or an operator retries it: ${outcome.error}`
        ).pipe(Effect.annotateLogs({ sagaId: run.id, saga: run.saga.name, step: done.step }))
        if (run.compensationFailedStep === undefined) {
          run.compensationFailedStep = done.step
          run.compensationError = outcome.error
          changes.compensationFailedStep = done.step
          changes.compensationError = outcome.error
        }
      }
      const next = pending[k + 1]
      if (next !== undefined) {
        yield* write(run, changes, [entry, started(next.index, next.step, "compensate", attemptOf(next))])
      } else {
        changes.status = run.compensationFailedStep === undefined ? "compensated" : "compensation_failed"
        yield* write(run, changes, [entry], true)
      }
    }
    if (pending.length === 0) yield* write(run, { status: settledStatus(run) }, [], true)
    return yield* finish(run)
  })

const settledStatus = <C, R>(run: Run<C, R>): Status =>
  run.compensationFailedStep !== undefined
    ? "compensation_failed"
    : run.compensated.length > 0
      ? "compensated"
      : "failed"

/** A step failed for good: log it and compensate what completed (or end `failed` if nothing needs it). */
const fail = <C, R>(
  run: Run<C, R>,
  index: number,
  ranStep: string,
  outcome: {
    readonly error: string
    readonly attempt: number
    readonly sagaTimeout: boolean
    readonly uncertain: boolean
  }
): Effect.Effect<SagaResult<C>, StoreUnavailable | SagaConflict, R> =>
  Effect.gen(function* () {
    const failedStep = run.saga.steps[index]?.name ?? ranStep
    // Its effect may have committed: undone first, with the same idempotency key.
    if (outcome.uncertain) run.uncertain = { index, step: ranStep }
    run.failedStep = failedStep
    run.error = outcome.error
    if (outcome.sagaTimeout) yield* count(timeouts(run.saga.name, "saga"))
    const entry: NewLogEntry = {
      index,
      step: ranStep,
      phase: "act",
      status: "failed",
      attempt: outcome.attempt,
      error: outcome.error
    }
    const pending = toUndo(run)
    const first = pending[0]
    if (first === undefined) {
      yield* write(run, { status: "failed", failedStep, error: outcome.error }, [entry], true)
      return yield* finish(run)
    }
    yield* write(run, { status: "compensating", failedStep, error: outcome.error }, [
      entry,
      started(first.index, first.step, "compensate")
    ])
    return yield* compensate(run, pending)
  })

type StepOutcome<C> =
  | { readonly _tag: "Done"; readonly value: C; readonly attempt: number; readonly step: string }
  | {
      readonly _tag: "Failed"
      readonly error: string
      readonly attempt: number
      readonly sagaTimeout: boolean
      readonly uncertain: boolean
      readonly step: string
    }

/**
 * The step's action (behind its breaker), then its fallback if the action failed for good — not
 * when it timed out with its effect unknown: running the fallback then could do the work twice, so
 * the saga compensates, that action included. `uncertain`: the step was left started by a crash.
 */
const runStep = <C, R>(
  run: Run<C, R>,
  index: number,
  step: Step<C, R>,
  firstAttempt: number,
  startWith: "action" | "fallback",
  uncertain: boolean
): Effect.Effect<StepOutcome<C>, StoreUnavailable | SagaConflict, R> =>
  // Most steps have neither breaker nor fallback: their attempts, without a generator.
  step.circuitBreaker === undefined && step.fallback === undefined
    ? Effect.map(
        withRetries(
          run,
          "act",
          index,
          step,
          firstAttempt,
          (info) => step.action(run.context, info),
          uncertain
        ),
        (outcome): StepOutcome<C> => ({ ...outcome, step: step.name })
      )
    : guardedStep(run, index, step, firstAttempt, startWith, uncertain)

const guardedStep = <C, R>(
  run: Run<C, R>,
  index: number,
  step: Step<C, R>,
  firstAttempt: number,
  startWith: "action" | "fallback",
  uncertain: boolean
): Effect.Effect<StepOutcome<C>, StoreUnavailable | SagaConflict, R> =>
  Effect.gen(function* () {
    const fallback = step.fallback
    let from = firstAttempt
    if (startWith === "action" || fallback === undefined) {
      const breaker = step.circuitBreaker
      const key = `${run.saga.name}/${step.name}`
      const allowed = breaker === undefined ? true : yield* run.engine.breakers.allow(key, breaker)
      let outcome: Outcome<C>
      if (allowed) {
        outcome = yield* withRetries(
          run,
          "act",
          index,
          step,
          from,
          (info) => step.action(run.context, info),
          uncertain
        )
        if (breaker !== undefined)
          yield* outcome._tag === "Done"
            ? run.engine.breakers.succeeded(key)
            : run.engine.breakers.failed(key, breaker)
      } else {
        const open = new CircuitOpen({ step: step.name })
        outcome = {
          _tag: "Failed",
          error: open.message,
          failure: open,
          attempt: from,
          sagaTimeout: false,
          uncertain
        }
      }
      if (outcome._tag === "Done" || fallback === undefined || outcome.sagaTimeout || outcome.uncertain)
        return { ...outcome, step: step.name }
      yield* write(run, {}, [
        {
          index,
          step: step.name,
          phase: "act",
          status: "failed",
          attempt: outcome.attempt,
          error: outcome.error
        },
        started(index, fallback.name, "act")
      ])
      from = 1
    }
    const outcome = yield* withRetries(
      run,
      "act",
      index,
      fallback,
      from,
      (info) => fallback.action(run.context, info),
      startWith === "fallback" && uncertain
    )
    return { ...outcome, step: fallback.name }
  })

/** Runs the steps from `from` on; the entry saying `from` started is already in the log. */
const forward = <C, R>(
  run: Run<C, R>,
  from: number,
  firstAttempt: number,
  startWith: "action" | "fallback",
  uncertain = false
): Effect.Effect<SagaResult<C>, RunError, R> => {
  const steps = run.saga.steps
  // Step after step as a chain of Effects, not a generator: this runs for every step of every saga.
  const from_ = (i: number): Effect.Effect<SagaResult<C>, RunError, R> => {
    const step = steps[i]
    if (step === undefined)
      return run.status === "completed"
        ? finish(run)
        : Effect.andThen(write(run, { status: "completed" }, [], true), finish(run))
    return Effect.flatMap(
      runStep(
        run,
        i,
        step,
        i === from ? firstAttempt : 1,
        i === from ? startWith : "action",
        i === from && uncertain
      ),
      (outcome) => {
        if (outcome._tag === "Failed") return fail(run, i, outcome.step, outcome)
        return Effect.flatMap(Effect.result(run.encode(outcome.value)), (encoded) => {
          if (encoded._tag === "Failure")
            return fail(run, i, outcome.step, {
              error: encoded.failure.message,
              attempt: outcome.attempt,
              sagaTimeout: false,
              uncertain: false
            })
          run.context = outcome.value
          run.completed.push({ index: i, step: outcome.step })
          const done: NewLogEntry = {
            index: i,
            step: outcome.step,
            phase: "act",
            status: "completed",
            attempt: outcome.attempt
          }
          const next = steps[i + 1]
          const written =
            next === undefined
              ? write(run, { status: "completed", context: encoded.success }, [done], true)
              : write(run, { context: encoded.success }, [done, started(i + 1, next.name, "act")])
          return count(stepCompletions(run.saga.name, outcome.step)).pipe(
            Effect.andThen(written),
            Effect.andThen(Effect.suspend(() => from_(i + 1)))
          )
        })
      }
    )
  }
  return Effect.suspend(() => from_(from))
}

/**
 * Keeps the lease while the run goes on (renewed every third of its duration); if the lease was lost
 * to another owner, the run is stopped: that owner continues it.
 */
const leased = <A, E, R>(
  engine: Engine,
  id: string,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | SagaConflict, R> => {
  const lease = engine.config.leaseDuration
  // Forked for every saga and interrupted when it ends, mostly before its first renewal: a chain of
  // Effects, not a generator.
  const heartbeat = Effect.sleep(Duration.divideUnsafe(lease, 3)).pipe(
    Effect.andThen(
      // A store hiccup is not a lost lease: the run's next write will tell.
      Effect.suspend(() => engine.store.renewLease(id, engine.owner, lease)).pipe(
        Effect.orElseSucceed(() => true)
      )
    ),
    Effect.flatMap((held) =>
      held
        ? Effect.void
        : Effect.fail(new SagaConflict({ sagaId: id, expectedVersion: 0, owner: engine.owner }))
    ),
    Effect.forever
  )
  return Effect.raceFirst(effect, heartbeat)
}

export interface Begun<C, R> {
  readonly run: Run<C, R>
  /** Runs the saga to its end. */
  readonly continue: Effect.Effect<SagaResult<C>, RunError, R>
}

/** Stores a new saga (running, its first step started) and returns how to run it. */
export const begin = <C, R>(
  engine: Engine,
  saga: Saga<C, R>,
  context: C,
  sagaId: string
): Effect.Effect<Begun<C, R>, StoreUnavailable | SagaAlreadyExists | SagaContextError> =>
  // A chain of Effects, not a generator: this runs for every saga.
  Effect.suspend(() => {
    const codec = contextCodec(saga, sagaId)
    const first = saga.steps[0]
    return Effect.flatMap(codec.encode(context), (encoded) =>
      Effect.withFiber((fiber) => {
        const correlationId = fiber.getRef(MessageContext.Current).correlationId ?? sagaId
        // Kept for recovery, which links its span to the trace that started the saga.
        const traceparent = TraceContext.ofFiber(fiber)
        return engine.store
          .create(
            {
              id: sagaId,
              name: saga.name,
              status: "running",
              context: encoded,
              owner: engine.owner,
              correlationId,
              ...(traceparent === undefined ? {} : { traceparent })
            },
            first === undefined ? [] : [started(0, first.name, "act")],
            engine.config.leaseDuration
          )
          .pipe(
            Effect.tap(count(executions(saga.name))),
            Effect.map((record): Begun<C, R> => {
              const run: Run<C, R> = {
                engine,
                saga,
                id: sagaId,
                correlationId,
                encode: codec.encode,
                deadline:
                  DateTime.toEpochMillis(record.createdAt) + Duration.toMillis(timeoutOf(engine, saga)),
                version: record.version,
                status: "running",
                context,
                completed: [],
                uncertain: undefined,
                compensated: [],
                failedStep: undefined,
                error: undefined,
                compensationFailedStep: undefined,
                compensationError: undefined
              }
              return { run, continue: leased(engine, sagaId, forward(run, 0, 1, "action")) }
            })
          )
      })
    )
  })

const lastEntry = (log: ReadonlyArray<LogEntry>, index: number, phase: Phase): LogEntry | undefined => {
  for (let i = log.length - 1; i >= 0; i--) {
    const entry = log[i]
    if (entry !== undefined && entry.index === index && entry.phase === phase) return entry
  }
  return undefined
}

/** A link to the span that started the saga, when its record keeps one. */
const linkToStart = (record: SagaRecord): ReadonlyArray<Tracer.SpanLink> => {
  const link = TraceContext.link(record.traceparent, { "cello.saga_id": record.id })
  return link === undefined ? [] : [link]
}

/**
 * Continues a saga this instance has just claimed: forward from the first step without a logged
 * completion (the one logged started runs again, same idempotency key), or on with compensation.
 * Past `maxRecoveryAttempts` take-overs, or with a context that no longer decodes, it goes to
 * `dead_letter`.
 */
export const resume = <C, R>(
  engine: Engine,
  saga: Saga<C, R>,
  record: SagaRecord,
  reopened = false
): Effect.Effect<SagaResult<unknown>, StoreUnavailable | SagaConflict, R> =>
  Effect.gen(function* () {
    yield* count((reopened ? reopenings : recoveries)(saga.name))
    const codec = contextCodec(saga, record.id)
    const log = yield* engine.store.log(record.id)
    const decoded = yield* Effect.result(codec.decode(record.context))
    const completed: Array<Completed> = []
    for (const entry of log)
      if (
        entry.phase === "act" &&
        entry.status === "completed" &&
        !completed.some((c) => c.index === entry.index)
      )
        completed.push({ index: entry.index, step: entry.step })
    completed.sort((a, b) => a.index - b.index)
    // Compensations are logged only for what must be undone: one at a step that never completed is
    // for the step whose effect was unknown when the saga failed.
    const uncertainEntry = log.find(
      (e) => e.phase === "compensate" && !completed.some((c) => c.index === e.index)
    )
    const deadLetter = (reason: string) =>
      Effect.gen(function* () {
        const error = record.error === undefined ? reason : `${reason}; last error: ${record.error}`
        yield* engine.store.update(record.id, {
          version: record.version,
          owner: engine.owner,
          changes: { status: "dead_letter", error },
          log: [],
          lease: "release"
        })
        yield* count(finished(saga.name, "dead_letter"))
        const summary: SagaResult<unknown> = {
          sagaId: record.id,
          name: record.name,
          status: "dead_letter",
          stepsCompleted: completed.map((c) => c.step),
          failedStep: record.failedStep,
          error,
          compensatedSteps: log
            .filter((e) => e.phase === "compensate" && e.status === "completed")
            .map((e) => e.step),
          compensationFailedStep: record.compensationFailedStep,
          compensationError: record.compensationError,
          context: decoded._tag === "Success" ? decoded.success : record.context
        }
        return summary
      })
    if (record.recoveryAttempts > engine.config.maxRecoveryAttempts)
      return yield* deadLetter(`recovery gave up after ${engine.config.maxRecoveryAttempts} attempts`)
    if (decoded._tag === "Failure") return yield* deadLetter(decoded.failure.message)
    const run: Run<C, R> = {
      engine,
      saga,
      id: record.id,
      correlationId: record.correlationId,
      encode: codec.encode,
      deadline: DateTime.toEpochMillis(record.createdAt) + Duration.toMillis(timeoutOf(engine, saga)),
      version: record.version,
      status: record.status,
      context: decoded.success,
      completed,
      uncertain:
        uncertainEntry === undefined ? undefined : { index: uncertainEntry.index, step: uncertainEntry.step },
      compensated: log.filter((e) => e.phase === "compensate" && e.status === "completed").map((e) => e.step),
      failedStep: record.failedStep,
      error: record.error,
      compensationFailedStep: record.compensationFailedStep,
      compensationError: record.compensationError
    }
    const continued: Effect.Effect<SagaResult<C>, RunError, R> = Effect.gen(function* () {
      if (record.status === "compensating") {
        // Every compensation not logged completed runs (again), newest first — except one whose last
        // entry is `failed` while this round already recorded a final failure: a retry logs `failed`
        // and the next `started` together, so that one failed for good. A reopen clears the record's
        // failure, so then the failed ones run again.
        const settled = (c: Completed) => {
          const last = lastEntry(log, c.index, "compensate")
          return (
            last?.status === "completed" ||
            (last?.status === "failed" && run.compensationFailedStep !== undefined)
          )
        }
        const attemptOf = (c: Completed) => {
          const last = lastEntry(log, c.index, "compensate")
          return last === undefined ? 1 : last.status === "started" ? last.attempt : last.attempt + 1
        }
        const pending = toUndo(run).filter((c) => !settled(c))
        const first = pending[0]
        if (first !== undefined && lastEntry(log, first.index, "compensate")?.status !== "started")
          yield* write(run, {}, [started(first.index, first.step, "compensate", attemptOf(first))])
        return yield* compensate(run, pending, attemptOf)
      }
      const steps = saga.steps
      const next = steps.findIndex((_, i) => !completed.some((c) => c.index === i))
      const step = steps[next]
      if (step === undefined) {
        yield* write(run, { status: "completed" }, [], true)
        return yield* finish(run)
      }
      const last = lastEntry(log, next, "act")
      const startWith =
        last !== undefined && last.step !== step.name && last.step === step.fallback?.name
          ? "fallback"
          : "action"
      if (last === undefined) yield* write(run, {}, [started(next, step.name, "act")])
      // A step logged started may have acted before the crash: if it cannot run again (the saga's
      // deadline passed), it is compensated too.
      return yield* forward(
        run,
        next,
        last?.status === "started" ? last.attempt : 1,
        startWith,
        last?.status === "started"
      )
    })
    return yield* leased(engine, record.id, continued)
  }).pipe(
    // Recovery runs long after the request, in a trace of its own: its span links to the request's.
    Effect.withSpan(
      "SagaOrchestrator.resume",
      {
        attributes: {
          "cello.saga": saga.name,
          "cello.saga_id": record.id,
          "cello.reopened": reopened,
          "cello.recovery_attempt": record.recoveryAttempts
        },
        links: linkToStart(record)
      },
      { captureStackTrace: false }
    )
  )
