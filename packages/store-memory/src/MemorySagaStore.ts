import { SagaAlreadyExists, SagaConflict, SagaRecord, SagaStore } from "@cello/saga"
import { Clock, DateTime, Duration, Effect, Layer, Option } from "effect"

/**
 * Sagas and their step logs in maps. Each operation runs in one synchronous block, so a write's
 * compare-and-set, state change and log entries are atomic; lease expiry follows the Effect `Clock`
 * (so `TestClock` drives it).
 */
export const make: Effect.Effect<SagaStore.SagaStoreShape> = Effect.sync(() => {
  const sagas = new Map<string, SagaRecord.SagaRecord>()
  const logs = new Map<string, Array<SagaRecord.LogEntry>>()
  let sequence = 0

  const append = (id: string, entries: ReadonlyArray<SagaRecord.NewLogEntry>, at: DateTime.Utc) => {
    const log = logs.get(id) ?? []
    for (const entry of entries)
      log.push({ ...entry, sagaId: id, sequence: ++sequence, error: entry.error, at })
    logs.set(id, log)
  }
  const expiry = (now: number, lease: Duration.Input) =>
    DateTime.makeUnsafe(now + Duration.toMillis(Duration.fromInputUnsafe(lease)))
  const available = (record: SagaRecord.SagaRecord, owner: string, now: number) =>
    record.owner === undefined ||
    record.owner === owner ||
    record.leaseExpiresAt === undefined ||
    DateTime.toEpochMillis(record.leaseExpiresAt) <= now
  const inFlight = (record: SagaRecord.SagaRecord) => !SagaRecord.isTerminal(record.status)

  return {
    create: (saga, log, lease) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (sagas.has(saga.id)) return Effect.fail(new SagaAlreadyExists({ sagaId: saga.id }))
        const at = DateTime.makeUnsafe(now)
        const record: SagaRecord.SagaRecord = {
          id: saga.id,
          name: saga.name,
          status: saga.status,
          context: saga.context,
          version: 1,
          owner: saga.owner,
          leaseExpiresAt: expiry(now, lease),
          failedStep: undefined,
          error: undefined,
          compensationFailedStep: undefined,
          compensationError: undefined,
          recoveryAttempts: 0,
          correlationId: saga.correlationId,
          traceparent: saga.traceparent,
          createdAt: at,
          updatedAt: at
        }
        sagas.set(saga.id, record)
        append(saga.id, log, at)
        return Effect.succeed(record)
      }),
    update: (id, input) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const record = sagas.get(id)
        if (record === undefined || record.version !== input.version || record.owner !== input.owner)
          return Effect.fail(
            new SagaConflict({ sagaId: id, expectedVersion: input.version, owner: input.owner })
          )
        const at = DateTime.makeUnsafe(now)
        const c = input.changes
        sagas.set(id, {
          ...record,
          status: c.status ?? record.status,
          context: c.context === undefined ? record.context : c.context,
          failedStep: c.failedStep ?? record.failedStep,
          error: c.error ?? record.error,
          compensationFailedStep: c.compensationFailedStep ?? record.compensationFailedStep,
          compensationError: c.compensationError ?? record.compensationError,
          version: record.version + 1,
          owner: input.lease === "release" ? undefined : record.owner,
          leaseExpiresAt: input.lease === "release" ? undefined : expiry(now, input.lease),
          updatedAt: at
        })
        append(id, input.log, at)
        return Effect.succeed(record.version + 1)
      }),
    get: (id) => Effect.sync(() => Option.fromUndefinedOr(sagas.get(id))),
    log: (id) => Effect.sync(() => [...(logs.get(id) ?? [])]),
    list: (options = {}) =>
      Effect.sync(() => {
        const statuses = options.status === undefined ? undefined : [options.status].flat()
        // Newest first; among equal timestamps, the later created first.
        return [...sagas.values()]
          .reverse()
          .filter(
            (r) =>
              (statuses === undefined || statuses.includes(r.status)) &&
              (options.name === undefined || r.name === options.name)
          )
          .sort((a, b) => DateTime.toEpochMillis(b.createdAt) - DateTime.toEpochMillis(a.createdAt))
          .slice(0, options.limit ?? 100)
      }),
    recoverable: (owner, limit) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        [...sagas.values()]
          .filter((r) => inFlight(r) && available(r, owner, now))
          .sort((a, b) => DateTime.toEpochMillis(a.createdAt) - DateTime.toEpochMillis(b.createdAt))
          .slice(0, limit)
      ),
    claim: (id, owner, lease) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const record = sagas.get(id)
        if (record === undefined || !inFlight(record) || !available(record, owner, now)) return Option.none()
        const claimed: SagaRecord.SagaRecord = {
          ...record,
          owner,
          leaseExpiresAt: expiry(now, lease),
          version: record.version + 1,
          recoveryAttempts: record.recoveryAttempts + 1,
          updatedAt: DateTime.makeUnsafe(now)
        }
        sagas.set(id, claimed)
        return Option.some(claimed)
      }),
    reopen: (id, lease) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const record = sagas.get(id)
        if (record === undefined || record.status !== "compensation_failed") return Option.none()
        const reopened: SagaRecord.SagaRecord = {
          ...record,
          status: "compensating",
          compensationFailedStep: undefined,
          compensationError: undefined,
          recoveryAttempts: 0,
          owner: lease?.owner,
          leaseExpiresAt: lease === undefined ? undefined : expiry(now, lease.lease),
          version: record.version + 1,
          updatedAt: DateTime.makeUnsafe(now)
        }
        sagas.set(id, reopened)
        return Option.some(reopened)
      }),
    renewLease: (id, owner, lease) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const record = sagas.get(id)
        if (record === undefined || record.owner !== owner) return false
        sagas.set(id, { ...record, leaseExpiresAt: expiry(now, lease) })
        return true
      })
  }
})

export const layer: Layer.Layer<SagaStore.SagaStore> = Layer.effect(SagaStore.SagaStore, make)
