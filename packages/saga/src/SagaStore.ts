import { Context, type Duration, Effect, Option } from "effect"
import {
  CompensationNotRetryable,
  type SagaAlreadyExists,
  type SagaConflict,
  SagaNotFound,
  type StoreUnavailable
} from "./Errors.js"
import type { ListOptions, LogEntry, NewLogEntry, NewSaga, SagaChanges, SagaRecord } from "./SagaRecord.js"

export interface UpdateInput {
  /** The version the writer last wrote or read; the write fails with `SagaConflict` if it moved on. */
  readonly version: number
  /** The writer; the write fails with `SagaConflict` unless it is the saga's owner. */
  readonly owner: string
  readonly changes: SagaChanges
  /** Appended to the step log in the same commit as the changes, in this order. */
  readonly log: ReadonlyArray<NewLogEntry>
  /** Renews the lease for this long from now, or gives it up (`"release"`, for a terminal status). */
  readonly lease: Duration.Input | "release"
}

/**
 * Where sagas live. Every write is a compare-and-set on the saga's version and owner, and commits its
 * state change and its log entries together, so a crash leaves either both or neither. Lease
 * expiry follows the store's clock (the database clock in SQL stores, Effect's `Clock` in memory).
 * Implementations: `@cello/store-memory`, `@cello/store-postgres`; each runs the conformance suite in
 * `@cello/saga/testing`.
 */
export interface SagaStoreShape {
  /** Stores a new saga at version 1, leased to `saga.owner`, with its first log entries. */
  readonly create: (
    saga: NewSaga,
    log: ReadonlyArray<NewLogEntry>,
    lease: Duration.Input
  ) => Effect.Effect<SagaRecord, SagaAlreadyExists | StoreUnavailable>
  /** Writes changes and log entries if the version and owner still match; returns the new version. */
  readonly update: (id: string, input: UpdateInput) => Effect.Effect<number, SagaConflict | StoreUnavailable>
  readonly get: (id: string) => Effect.Effect<Option.Option<SagaRecord>, StoreUnavailable>
  /** The saga's step log in the order it was written (empty for an unknown saga). */
  readonly log: (id: string) => Effect.Effect<ReadonlyArray<LogEntry>, StoreUnavailable>
  /** Sagas, newest first, filtered by status and name. */
  readonly list: (options?: ListOptions) => Effect.Effect<ReadonlyArray<SagaRecord>, StoreUnavailable>
  /**
   * Sagas in flight (`running`, `compensating`) that `owner` could take over now: lease free,
   * expired, or already `owner`'s. Oldest first.
   */
  readonly recoverable: (
    owner: string,
    limit: number
  ) => Effect.Effect<ReadonlyArray<SagaRecord>, StoreUnavailable>
  /**
   * Takes a saga in flight over for recovery if its lease is free, expired or `owner`'s: sets the
   * owner and lease, bumps the version (so the previous owner's next write fails) and counts a
   * recovery attempt. None when another owner's lease is live or the saga is not in flight.
   */
  readonly claim: (
    id: string,
    owner: string,
    lease: Duration.Input
  ) => Effect.Effect<Option.Option<SagaRecord>, StoreUnavailable>
  /**
   * Takes a `compensation_failed` saga back to `compensating`, so its compensations run again: clears
   * `compensationFailedStep` and `compensationError`, resets `recoveryAttempts` to 0 (a fresh start),
   * bumps the version, and leases it to `owner` for `lease` — or, without an owner, leaves it free
   * for any instance's `recover` to take over. None when the saga is not `compensation_failed`.
   */
  readonly reopen: (
    id: string,
    owner: { readonly owner: string; readonly lease: Duration.Input } | undefined
  ) => Effect.Effect<Option.Option<SagaRecord>, StoreUnavailable>
  /** Extends `owner`'s lease without a version change; false when `owner` no longer holds the saga. */
  readonly renewLease: (
    id: string,
    owner: string,
    lease: Duration.Input
  ) => Effect.Effect<boolean, StoreUnavailable>
}

export class SagaStore extends Context.Service<SagaStore, SagaStoreShape>()("@cello/saga/SagaStore") {}

// Accessors, so programs can write `SagaStore.get(id)` with the store taken from context.

export const get = (id: string): Effect.Effect<Option.Option<SagaRecord>, StoreUnavailable, SagaStore> =>
  SagaStore.use((store) => store.get(id))

export const log = (id: string): Effect.Effect<ReadonlyArray<LogEntry>, StoreUnavailable, SagaStore> =>
  SagaStore.use((store) => store.log(id))

export const list = (
  options?: ListOptions
): Effect.Effect<ReadonlyArray<SagaRecord>, StoreUnavailable, SagaStore> =>
  SagaStore.use((store) => store.list(options))

/**
 * Hands a `compensation_failed` saga back to recovery: reopened with no owner, so the next `recover`
 * pass of any instance that knows the saga runs the compensations that did not complete. For
 * operators' tools that cannot run the app's compensations themselves (a command line, a dashboard
 * without the saga's definition). `None` when another instance took it up meanwhile.
 */
export const reopenForRecovery = (
  id: string
): Effect.Effect<
  Option.Option<SagaRecord>,
  SagaNotFound | CompensationNotRetryable | StoreUnavailable,
  SagaStore
> =>
  SagaStore.use((store) =>
    Effect.gen(function* () {
      const saga = yield* store.get(id)
      if (Option.isNone(saga)) return yield* new SagaNotFound({ sagaId: id })
      if (saga.value.status !== "compensation_failed")
        return yield* new CompensationNotRetryable({ sagaId: id, status: saga.value.status })
      return yield* store.reopen(id, undefined)
    })
  )
