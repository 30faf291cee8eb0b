/**
 * Sagas on MySQL. MySQL has neither RETURNING nor data-modifying CTEs, so a write is a transaction:
 * a conditional UPDATE (compare-and-set on version and owner; no row matched is a conflict) and the
 * step-log INSERT, committed together. Leases are timed by the database clock, so instances need not
 * agree on time. Claims and reopens are conditional UPDATEs: concurrent ones queue on the row lock and
 * re-check the condition (READ COMMITTED), so exactly one wins.
 */
import { SagaAlreadyExists, SagaConflict, SagaRecord, SagaStore } from "@cello/saga"
import { DateTime, Duration, Effect, Layer, Option } from "effect"
import { type Selectable, sql } from "kysely"
import { utcMillis } from "./internal/envelope.js"
import { sagaUnavailable } from "./internal/sagaUnavailable.js"
import { MysqlDatabase } from "./MysqlDatabase.js"
import * as MysqlError from "./MysqlError.js"
import type { SagasTable } from "./Schema.js"

const inFlight: ReadonlyArray<SagaRecord.Status> = ["running", "compensating"]

// Only this store writes the column; anything else is a corrupted row, reported as such.
const statusOf = (s: string): SagaRecord.Status => (SagaRecord.isStatus(s) ? s : "dead_letter")

const phaseOf = (s: string): SagaRecord.Phase => (s === "compensate" ? "compensate" : "act")
const stepStatusOf = (s: string): SagaRecord.StepStatus =>
  s === "completed" ? "completed" : s === "failed" ? "failed" : "started"

const time = (text: string) => DateTime.makeUnsafe(utcMillis(text))

const toRecord = (row: Selectable<SagasTable>): SagaRecord.SagaRecord => ({
  id: row.id,
  name: row.name,
  status: statusOf(row.status),
  context: JSON.parse(row.context),
  version: Number(row.version),
  owner: row.owner ?? undefined,
  leaseExpiresAt: row.lease_expires_at === null ? undefined : time(row.lease_expires_at),
  failedStep: row.failed_step ?? undefined,
  error: row.error ?? undefined,
  compensationFailedStep: row.compensation_failed_step ?? undefined,
  compensationError: row.compensation_error ?? undefined,
  recoveryAttempts: Number(row.recovery_attempts),
  correlationId: row.correlation_id ?? undefined,
  traceparent: row.traceparent ?? undefined,
  createdAt: time(row.created_at),
  updatedAt: time(row.updated_at)
})

const now = sql<string>`UTC_TIMESTAMP(6)`

const leaseUntil = (lease: Duration.Input) =>
  sql<string>`UTC_TIMESTAMP(6) + INTERVAL ${Math.round(Duration.toMillis(Duration.fromInputUnsafe(lease)) * 1000)} MICROSECOND`

const available = (owner: string) =>
  sql<boolean>`(owner IS NULL OR owner = ${owner} OR lease_expires_at <= UTC_TIMESTAMP(6))`

export const make: Effect.Effect<SagaStore.SagaStoreShape, never, MysqlDatabase> = Effect.gen(function* () {
  const database = yield* MysqlDatabase
  const { db, run, execute } = database
  const unavailable = (operation: string) => sagaUnavailable(database, operation)

  const insertLog = (sagaId: string, entries: ReadonlyArray<SagaRecord.NewLogEntry>) =>
    entries.length === 0
      ? Effect.void
      : execute(
          db.insertInto("saga_log").values(
            entries.map((e) => ({
              saga_id: sagaId,
              step_index: e.index,
              step: e.step,
              phase: e.phase,
              status: e.status,
              attempt: e.attempt,
              error: e.error ?? null,
              at: now
            }))
          )
        )

  const getRow = (id: string) => run(db.selectFrom("sagas").selectAll().where("id", "=", id))

  /** A conditional UPDATE, then the row it changed (None when the condition did not hold). */
  const updateThenGet = (
    id: string,
    update: Effect.Effect<{ readonly affectedRows: number }, MysqlError.MysqlError>
  ) =>
    database.withTransaction(
      Effect.gen(function* () {
        const { affectedRows } = yield* update
        if (affectedRows === 0) return Option.none()
        return Option.map(Option.fromUndefinedOr((yield* getRow(id))[0]), toRecord)
      })
    )

  return {
    create: (saga, log, lease) =>
      database
        .withTransaction(
          Effect.gen(function* () {
            yield* execute(
              db.insertInto("sagas").values({
                id: saga.id,
                name: saga.name,
                status: saga.status,
                context: JSON.stringify(saga.context),
                version: 1,
                owner: saga.owner,
                lease_expires_at: leaseUntil(lease),
                failed_step: null,
                error: null,
                compensation_failed_step: null,
                compensation_error: null,
                recovery_attempts: 0,
                created_at: now,
                updated_at: now,
                correlation_id: saga.correlationId ?? null,
                traceparent: saga.traceparent ?? null
              })
            )
            yield* insertLog(saga.id, log)
            return yield* getRow(saga.id)
          })
        )
        .pipe(
          Effect.catchIf(MysqlError.isDuplicateKey, () =>
            Effect.fail(new SagaAlreadyExists({ sagaId: saga.id }))
          ),
          Effect.mapError((e) => (e instanceof MysqlError.MysqlError ? unavailable("createSaga")(e) : e)),
          Effect.flatMap((rows) => {
            const row = rows[0]
            return row === undefined
              ? Effect.fail(new SagaAlreadyExists({ sagaId: saga.id }))
              : Effect.succeed(toRecord(row))
          })
        ),
    update: (id, input) => {
      const c = input.changes
      const released = input.lease === "release"
      return database
        .withTransaction(
          Effect.gen(function* () {
            const { affectedRows } = yield* execute(
              db
                .updateTable("sagas")
                .set({
                  version: sql`version + 1`,
                  updated_at: now,
                  owner: released ? null : sql`owner`,
                  lease_expires_at: input.lease === "release" ? null : leaseUntil(input.lease),
                  ...(c.status === undefined ? {} : { status: c.status }),
                  ...(c.context === undefined ? {} : { context: JSON.stringify(c.context) }),
                  ...(c.failedStep === undefined ? {} : { failed_step: c.failedStep }),
                  ...(c.error === undefined ? {} : { error: c.error }),
                  ...(c.compensationFailedStep === undefined
                    ? {}
                    : { compensation_failed_step: c.compensationFailedStep }),
                  ...(c.compensationError === undefined ? {} : { compensation_error: c.compensationError })
                })
                .where("id", "=", id)
                .where("version", "=", input.version)
                .where("owner", "=", input.owner)
            )
            if (affectedRows === 0) return false
            yield* insertLog(id, input.log)
            return true
          })
        )
        .pipe(
          Effect.mapError(unavailable("updateSaga")),
          Effect.flatMap((updated) =>
            updated
              ? Effect.succeed(input.version + 1)
              : Effect.fail(
                  new SagaConflict({ sagaId: id, expectedVersion: input.version, owner: input.owner })
                )
          )
        )
    },
    get: (id) =>
      getRow(id).pipe(
        Effect.map((rows) => Option.map(Option.fromUndefinedOr(rows[0]), toRecord)),
        Effect.mapError(unavailable("getSaga"))
      ),
    log: (id) =>
      run(db.selectFrom("saga_log").selectAll().where("saga_id", "=", id).orderBy("sequence")).pipe(
        Effect.map((rows) =>
          rows.map(
            (row): SagaRecord.LogEntry => ({
              sagaId: row.saga_id,
              sequence: Number(row.sequence),
              index: Number(row.step_index),
              step: row.step,
              phase: phaseOf(row.phase),
              status: stepStatusOf(row.status),
              attempt: Number(row.attempt),
              error: row.error ?? undefined,
              at: time(row.at)
            })
          )
        ),
        Effect.mapError(unavailable("readSagaLog"))
      ),
    list: (options = {}) => {
      const statuses = options.status === undefined ? undefined : [options.status].flat()
      let query = db
        .selectFrom("sagas")
        .selectAll()
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(options.limit ?? 100)
      if (statuses !== undefined) query = query.where("status", "in", statuses.length > 0 ? statuses : [""])
      if (options.name !== undefined) query = query.where("name", "=", options.name)
      return run(query).pipe(
        Effect.map((rows) => rows.map(toRecord)),
        Effect.mapError(unavailable("listSagas"))
      )
    },
    recoverable: (owner, limit) =>
      run(
        db
          .selectFrom("sagas")
          .selectAll()
          .where("status", "in", inFlight)
          .where(available(owner))
          .orderBy("created_at")
          .limit(limit)
      ).pipe(
        Effect.map((rows) => rows.map(toRecord)),
        Effect.mapError(unavailable("recoverableSagas"))
      ),
    claim: (id, owner, lease) =>
      updateThenGet(
        id,
        execute(
          db
            .updateTable("sagas")
            .set({
              owner,
              lease_expires_at: leaseUntil(lease),
              version: sql`version + 1`,
              recovery_attempts: sql`recovery_attempts + 1`,
              updated_at: now
            })
            .where("id", "=", id)
            .where("status", "in", inFlight)
            .where(available(owner))
        )
      ).pipe(Effect.mapError(unavailable("claimSaga"))),
    // Only from compensation_failed: the row lock makes two reopeners race to one winner.
    reopen: (id, lease) =>
      updateThenGet(
        id,
        execute(
          db
            .updateTable("sagas")
            .set({
              status: "compensating",
              compensation_failed_step: null,
              compensation_error: null,
              recovery_attempts: 0,
              owner: lease?.owner ?? null,
              lease_expires_at: lease === undefined ? null : leaseUntil(lease.lease),
              version: sql`version + 1`,
              updated_at: now
            })
            .where("id", "=", id)
            .where("status", "=", "compensation_failed")
        )
      ).pipe(Effect.mapError(unavailable("reopenSaga"))),
    renewLease: (id, owner, lease) =>
      execute(
        db
          .updateTable("sagas")
          .set({ lease_expires_at: leaseUntil(lease) })
          .where("id", "=", id)
          .where("owner", "=", owner)
      ).pipe(
        Effect.map(({ affectedRows }) => affectedRows === 1),
        Effect.mapError(unavailable("renewSagaLease"))
      )
  }
})

export const layer: Layer.Layer<SagaStore.SagaStore, never, MysqlDatabase> = Layer.effect(
  SagaStore.SagaStore,
  make
)
