/**
 * Runs sagas: `execute` (to the end), `start` (in the background, returns the id), `status`, `list`,
 * `recover`, which resumes every saga a crash left in flight, and `retryCompensation`, an operator's
 * way to run the compensations of a `compensation_failed` saga again. One orchestrator is one owner of
 * leases: sagas it runs are leased to it, and another instance takes one over only after its lease
 * expired (or, with the same `owner` name, at once: a restarted instance resuming its own work).
 */
import { Clock, Context, Duration, Effect, Layer, Option, Scope } from "effect"
import type { SagaAlreadyExists, SagaConflict, SagaContextError, StoreUnavailable } from "./Errors.js"
import { CompensationNotRetryable, InvalidSagaConfig, SagaDefinitionUnknown, SagaNotFound } from "./Errors.js"
import * as CircuitBreakers from "./internal/circuitBreaker.js"
import * as Engine from "./internal/engine.js"
import { withSpan } from "./internal/span.js"
import { uuidv7 } from "./internal/uuid.js"
import type * as Saga from "./Saga.js"
import { SagaConfig } from "./SagaConfig.js"
import type { ListOptions, SagaRecord } from "./SagaRecord.js"
import { type Execution, type RecoveryReport, type SagaResult, summarize } from "./SagaResult.js"
import { SagaStore } from "./SagaStore.js"

export interface ExecuteOptions {
  /** The saga's id (default: a fresh UUID v7). Use a business key to make starting idempotent. */
  readonly id?: string
}

export type ExecuteError = StoreUnavailable | SagaAlreadyExists | SagaContextError | SagaConflict

export type RetryCompensationError =
  | SagaNotFound
  | CompensationNotRetryable
  | SagaDefinitionUnknown
  | StoreUnavailable
  | SagaConflict

export interface SagaOrchestratorShape {
  /** This instance's name in leases. */
  readonly owner: string
  /** Runs a saga to a terminal status. Fails only when the store fails or another owner took it over. */
  readonly execute: <C, R>(
    saga: Saga.Saga<C, R>,
    context: C,
    options?: ExecuteOptions
  ) => Effect.Effect<SagaResult<C>, ExecuteError, R>
  /** Stores the saga and runs it in the background (until the orchestrator's layer is released). */
  readonly start: <C, R>(
    saga: Saga.Saga<C, R>,
    context: C,
    options?: ExecuteOptions
  ) => Effect.Effect<string, StoreUnavailable | SagaAlreadyExists | SagaContextError, R>
  readonly status: (id: string) => Effect.Effect<Execution, SagaNotFound | StoreUnavailable>
  readonly list: (options?: ListOptions) => Effect.Effect<ReadonlyArray<SagaRecord>, StoreUnavailable>
  /** Makes a definition known to `recover` (`execute` and `start` do this too). */
  readonly register: <C, R>(saga: Saga.Saga<C, R>) => Effect.Effect<void, never, R>
  /**
   * Takes over every saga in flight whose lease is free, expired or this owner's, and runs each to a
   * terminal status. Sagas whose definition is not registered are left alone and reported.
   */
  readonly recover: Effect.Effect<RecoveryReport, StoreUnavailable>
  /**
   * An operator's retry of a `compensation_failed` saga: takes it back to `compensating` and runs
   * every compensation not yet completed (newest first, under each step's compensation policy) to
   * a terminal status, `compensated` when they all succeed. Refused with `CompensationNotRetryable`
   * for a saga in any other status, `SagaDefinitionUnknown` when its definition is not registered.
   */
  readonly retryCompensation: (id: string) => Effect.Effect<SagaResult<unknown>, RetryCompensationError>
}

export class SagaOrchestrator extends Context.Service<SagaOrchestrator, SagaOrchestratorShape>()(
  "@cello/saga/SagaOrchestrator"
) {}

export interface Options<Rs extends ReadonlyArray<unknown>> {
  /** Definitions `recover` can resume (more can be added with `register`); the layer needs their services. */
  readonly sagas?: { readonly [K in keyof Rs]: Saga.Saga<unknown, Rs[K]> }
  /** This instance's name in leases (default: a fresh UUID). Give a restarted instance the same name to let it resume its own sagas at once. */
  readonly owner?: string
  /** Run `recover` in the background when the layer starts (default false). */
  readonly recoverOnStart?: boolean
  /**
   * Run `recover` in the background this often while the layer lives (default: never), so sagas of an
   * instance that died are taken over once their lease expires. The first pass runs after one interval.
   */
  readonly recoverEvery?: Duration.Input
  /** Sagas recovered at once (default 8). */
  readonly recoveryConcurrency?: number
  /**
   * `recover` also takes `compensation_failed` sagas up again (up to 1,000 a pass, newest first), as
   * `retryCompensation` would (default false). With `recoverEvery`, a compensation that failed for
   * good (say, an account that was frozen) is retried at every interval until it succeeds.
   */
  readonly retryFailedCompensations?: boolean
}

type Resumer = (
  record: SagaRecord,
  reopened: boolean
) => Effect.Effect<SagaResult<unknown>, StoreUnavailable | SagaConflict>

// Same rule and error as SagaConfig's durations: a zero interval would spin on the store.
const recoveryInterval = (input: Duration.Input | undefined) =>
  Effect.gen(function* () {
    if (input === undefined) return undefined
    const every = Duration.fromInput(input)
    if (Option.isNone(every))
      return yield* new InvalidSagaConfig({
        setting: "recoverEvery",
        detail: `${typeof input === "object" ? JSON.stringify(input) : String(input)} is not a duration`
      })
    if (!Duration.isGreaterThan(every.value, Duration.zero))
      return yield* new InvalidSagaConfig({
        setting: "recoverEvery",
        detail: `${Duration.format(every.value)} is not positive`
      })
    return every.value
  })

/** The orchestrator over the `SagaStore` in context, with settings from `SagaConfig`. */
export const make = <const Rs extends ReadonlyArray<unknown> = readonly []>(
  options: Options<Rs> = {}
): Effect.Effect<SagaOrchestratorShape, InvalidSagaConfig, SagaStore | Scope.Scope | Rs[number]> =>
  Effect.gen(function* () {
    const recoverEvery = yield* recoveryInterval(options.recoverEvery)
    const store = yield* SagaStore
    const config = yield* SagaConfig
    const scope = yield* Scope.Scope
    const owner = options.owner ?? uuidv7()
    const engine: Engine.Engine = { store, owner, config, breakers: CircuitBreakers.make() }
    const registry = new Map<string, Resumer>()
    // Sagas this instance is running now: recovery must not take them over from itself.
    // Counted, so a second start with the same id (refused by the store) does not unmark the first.
    const running = new Map<string, number>()
    const mark = (id: string) => running.set(id, (running.get(id) ?? 0) + 1)
    const unmark = (id: string) => {
      const n = (running.get(id) ?? 1) - 1
      if (n <= 0) running.delete(id)
      else running.set(id, n)
    }

    /** Runs `effect` for a saga already marked running, and unmarks it at the end. */
    const tracked = <A, E, R>(id: string, effect: Effect.Effect<A, E, R>) =>
      effect.pipe(Effect.ensuring(Effect.sync(() => unmark(id))))

    const register = <C, R>(saga: Saga.Saga<C, R>): Effect.Effect<void, never, R> =>
      Effect.map(Effect.context<R>(), (context) => {
        registry.set(saga.name, (record, reopened) =>
          Engine.resume(engine, saga, record, reopened).pipe(Effect.provideContext(context))
        )
      })

    // The id is marked running before the row exists: a recovery pass of this same owner must never
    // see a saga this instance is starting as one to take over.
    const newId = (options: ExecuteOptions) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const id = options.id ?? uuidv7(now)
        mark(id)
        return id
      })

    // A chain of Effects, not a generator: this runs for every saga.
    const execute = <C, R>(saga: Saga.Saga<C, R>, context: C, options: ExecuteOptions = {}) =>
      register(saga).pipe(
        Effect.andThen(newId(options)),
        Effect.flatMap((id) =>
          tracked(
            id,
            Effect.flatMap(Engine.begin(engine, saga, context, id), (begun) => begun.continue)
          )
        ),
        // No span at all without a tracer, and no stack captured with one (a no-op saga's CPU).
        withSpan("SagaOrchestrator.execute", { attributes: { "cello.saga": saga.name } })
      )

    const start = <C, R>(saga: Saga.Saga<C, R>, context: C, options: ExecuteOptions = {}) =>
      Effect.gen(function* () {
        yield* register(saga)
        const id = yield* newId(options)
        const begun = yield* Engine.begin(engine, saga, context, id).pipe(
          Effect.tapError(() => Effect.sync(() => unmark(id)))
        )
        yield* Effect.forkIn(
          tracked(begun.run.id, begun.continue).pipe(
            Effect.catch((error) => Effect.logWarning(`saga ${begun.run.id} stopped: ${error.message}`))
          ),
          scope
        )
        return begun.run.id
      }).pipe(
        // No span at all without a tracer, and no stack captured with one (a no-op saga's CPU).
        withSpan("SagaOrchestrator.start", { attributes: { "cello.saga": saga.name } })
      )

    const status = (id: string) =>
      Effect.gen(function* () {
        const record = yield* store.get(id)
        if (Option.isNone(record)) return yield* new SagaNotFound({ sagaId: id })
        const log = yield* store.log(id)
        const execution: Execution = { ...record.value, ...summarize(log), log }
        return execution
      })

    const recover: Effect.Effect<RecoveryReport, StoreUnavailable> = Effect.gen(function* () {
      const seen = new Set<string>()
      const recovered: Array<SagaResult<unknown>> = []
      const unknown: Array<string> = []
      while (true) {
        const batch = (yield* store.recoverable(owner, 100)).filter(
          (r) => !seen.has(r.id) && !running.has(r.id)
        )
        if (batch.length === 0) break
        yield* Effect.forEach(
          batch,
          (candidate) =>
            Effect.gen(function* () {
              seen.add(candidate.id)
              if (running.has(candidate.id)) return
              const resume = registry.get(candidate.name)
              if (resume === undefined) {
                unknown.push(candidate.id)
                return
              }
              // Claimed before running, so the in-process check above and the store's lease agree.
              mark(candidate.id)
              const claimed = yield* store
                .claim(candidate.id, owner, config.leaseDuration)
                .pipe(Effect.tapError(() => Effect.sync(() => unmark(candidate.id))))
              if (Option.isNone(claimed)) {
                unmark(candidate.id)
                return
              }
              recovered.push(yield* tracked(candidate.id, resume(claimed.value, false)))
            }).pipe(
              Effect.catchTag("SagaConflict", () => Effect.void),
              Effect.catchTag("StoreUnavailable", (error) =>
                Effect.logWarning(`saga ${candidate.id} not recovered now: ${error.message}`)
              )
            ),
          { concurrency: options.recoveryConcurrency ?? 8, discard: true }
        )
      }
      if (options.retryFailedCompensations === true) {
        const failed = yield* store.list({ status: "compensation_failed", limit: 1000 })
        yield* Effect.forEach(
          failed,
          (candidate) =>
            Effect.gen(function* () {
              if (registry.get(candidate.name) === undefined) {
                unknown.push(candidate.id)
                return
              }
              const retried = yield* reopenAndRun(candidate.id, candidate.name)
              if (retried !== undefined) recovered.push(retried)
            }).pipe(
              Effect.catchTag("SagaConflict", () => Effect.void),
              Effect.catchTag("StoreUnavailable", (error) =>
                Effect.logWarning(`saga ${candidate.id} not retried now: ${error.message}`)
              )
            ),
          { concurrency: options.recoveryConcurrency ?? 8, discard: true }
        )
      }
      if (unknown.length > 0)
        yield* Effect.logWarning(`sagas in flight with no registered definition: ${unknown.join(", ")}`)
      return { recovered, unknown }
    }).pipe(Effect.withSpan("SagaOrchestrator.recover"))

    /** Reopens a `compensation_failed` saga for this owner and runs its compensations; undefined if another got it. */
    const reopenAndRun = (id: string, name: string) =>
      Effect.gen(function* () {
        const resume = registry.get(name)
        if (resume === undefined || running.has(id)) return undefined
        mark(id)
        const reopened = yield* store
          .reopen(id, { owner, lease: config.leaseDuration })
          .pipe(Effect.tapError(() => Effect.sync(() => unmark(id))))
        if (Option.isNone(reopened)) {
          unmark(id)
          return undefined
        }
        yield* Effect.logInfo(`saga ${id}: retrying its compensations`)
        return yield* tracked(id, resume(reopened.value, true))
      })

    const retryCompensation = (id: string): Effect.Effect<SagaResult<unknown>, RetryCompensationError> =>
      Effect.gen(function* () {
        const record = yield* store.get(id)
        if (Option.isNone(record)) return yield* new SagaNotFound({ sagaId: id })
        const { name, status } = record.value
        if (status !== "compensation_failed")
          return yield* new CompensationNotRetryable({ sagaId: id, status })
        if (registry.get(name) === undefined) return yield* new SagaDefinitionUnknown({ sagaId: id, name })
        const result = yield* reopenAndRun(id, name)
        if (result !== undefined) return result
        // Another instance (or recovery) reopened it first: say where it is now.
        const now = yield* store.get(id)
        return yield* new CompensationNotRetryable({
          sagaId: id,
          status: Option.isSome(now) ? now.value.status : "missing"
        })
      }).pipe(Effect.withSpan("SagaOrchestrator.retryCompensation", { attributes: { "cello.saga_id": id } }))

    const sagas: ReadonlyArray<Saga.Saga<unknown, Rs[number]>> = options.sagas ?? []
    for (const saga of sagas) yield* register(saga)

    const shape: SagaOrchestratorShape = {
      owner,
      execute,
      start,
      status,
      list: (listOptions) => store.list(listOptions),
      register,
      recover,
      retryCompensation
    }
    const recoverPass = (label: string) =>
      recover.pipe(
        Effect.tap((report) =>
          report.recovered.length > 0
            ? Effect.logInfo(`recovered ${report.recovered.length} saga(s)`)
            : Effect.void
        ),
        // A store outage must not end the background recovery: the next pass tries again.
        Effect.catchTag("StoreUnavailable", (error) => Effect.logWarning(`${label} failed: ${error.message}`))
      )
    const atStart = options.recoverOnStart === true ? recoverPass("saga recovery at start-up") : Effect.void
    // Sleep first, so the pass at start-up (if any) is not repeated, and passes never overlap.
    const periodic =
      recoverEvery === undefined
        ? Effect.void
        : Effect.forever(Effect.andThen(Effect.sleep(recoverEvery), recoverPass("periodic saga recovery")))
    if (options.recoverOnStart === true || recoverEvery !== undefined)
      yield* Effect.forkIn(Effect.andThen(atStart, periodic), scope)
    return shape
  })

/** The orchestrator as a layer; its background runs stop when the layer is released. */
export const layer = <const Rs extends ReadonlyArray<unknown> = readonly []>(
  options: Options<Rs> = {}
): Layer.Layer<SagaOrchestrator, InvalidSagaConfig, SagaStore | Rs[number]> =>
  Layer.effect(SagaOrchestrator, make(options))

// Accessors, so programs can write `SagaOrchestrator.execute(saga, context)`.

export const execute = <C, R>(
  saga: Saga.Saga<C, R>,
  context: C,
  options?: ExecuteOptions
): Effect.Effect<SagaResult<C>, ExecuteError, R | SagaOrchestrator> =>
  SagaOrchestrator.use((o) => o.execute(saga, context, options))

export const start = <C, R>(
  saga: Saga.Saga<C, R>,
  context: C,
  options?: ExecuteOptions
): Effect.Effect<string, StoreUnavailable | SagaAlreadyExists | SagaContextError, R | SagaOrchestrator> =>
  SagaOrchestrator.use((o) => o.start(saga, context, options))

export const status = (
  id: string
): Effect.Effect<Execution, SagaNotFound | StoreUnavailable, SagaOrchestrator> =>
  SagaOrchestrator.use((o) => o.status(id))

export const list = (
  options?: ListOptions
): Effect.Effect<ReadonlyArray<SagaRecord>, StoreUnavailable, SagaOrchestrator> =>
  SagaOrchestrator.use((o) => o.list(options))

export const recover: Effect.Effect<RecoveryReport, StoreUnavailable, SagaOrchestrator> =
  SagaOrchestrator.use((o) => o.recover)

export const retryCompensation = (
  id: string
): Effect.Effect<SagaResult<unknown>, RetryCompensationError, SagaOrchestrator> =>
  SagaOrchestrator.use((o) => o.retryCompensation(id))
