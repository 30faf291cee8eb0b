/**
 * Sagas on PostgreSQL. Every write is one statement: a conditional UPDATE (compare-and-set on version
 * and owner) with the step-log INSERT in a data-modifying CTE that only inserts when the UPDATE
 * matched, so state and log commit together in one round trip. Leases are timed by the database
 * clock, so instances need not agree on time. The two statements every step runs (create, update)
 * are fixed SQL texts built once, not kysely queries built per call: the query builder cost more CPU
 * than the rest of a step.
 */
import { SagaAlreadyExists, SagaConflict, SagaRecord, SagaStore } from "@cello/saga"
import { DateTime, Duration, Effect, Layer, Option } from "effect"
import { type RawBuilder, type Selectable, sql } from "kysely"
import { sagaUnavailable } from "./internal/sagaUnavailable.js"
import { PgDatabase } from "./PgDatabase.js"
import type { SagasTable } from "./Schema.js"

const inFlight: ReadonlyArray<SagaRecord.Status> = ["running", "compensating"]

// Only this store writes the column; anything else is a corrupted row, reported as such.
const statusOf = (s: string): SagaRecord.Status => (SagaRecord.isStatus(s) ? s : "dead_letter")

const phaseOf = (s: string): SagaRecord.Phase => (s === "compensate" ? "compensate" : "act")
const stepStatusOf = (s: string): SagaRecord.StepStatus =>
  s === "completed" ? "completed" : s === "failed" ? "failed" : "started"

const toRecord = (row: Selectable<SagasTable>): SagaRecord.SagaRecord => ({
  id: row.id,
  name: row.name,
  status: statusOf(row.status),
  context: row.context,
  version: row.version,
  owner: row.owner ?? undefined,
  leaseExpiresAt: row.lease_expires_at === null ? undefined : DateTime.makeUnsafe(row.lease_expires_at),
  failedStep: row.failed_step ?? undefined,
  error: row.error ?? undefined,
  compensationFailedStep: row.compensation_failed_step ?? undefined,
  compensationError: row.compensation_error ?? undefined,
  recoveryAttempts: row.recovery_attempts,
  correlationId: row.correlation_id ?? undefined,
  traceparent: row.traceparent ?? undefined,
  createdAt: DateTime.makeUnsafe(row.created_at),
  updatedAt: DateTime.makeUnsafe(row.updated_at)
})

const leaseMillis = (lease: Duration.Input): number => Duration.toMillis(Duration.fromInputUnsafe(lease))

const leaseUntil = (lease: Duration.Input): RawBuilder<Date> =>
  sql<Date>`clock_timestamp() + ${leaseMillis(lease)} * interval '1 millisecond'`

/** The log entries as one JSON parameter, expanded in order by the statement that inserts them. */
const logJson = (entries: ReadonlyArray<SagaRecord.NewLogEntry>): string =>
  JSON.stringify(
    entries.map((e) => ({
      i: e.index,
      s: e.step,
      p: e.phase,
      t: e.status,
      a: e.attempt,
      e: e.error ?? null
    }))
  )

const available = (owner: string) =>
  sql<boolean>`(owner IS NULL OR owner = ${owner} OR lease_expires_at <= clock_timestamp())`

export const make: Effect.Effect<SagaStore.SagaStoreShape, never, PgDatabase> = Effect.gen(function* () {
  const database = yield* PgDatabase
  const { db, run } = database
  const unavailable = (operation: string) => sagaUnavailable(database, operation)
  // The two mappers every step's write uses, built once.
  const createFailed = unavailable("createSaga")
  const updateFailed = unavailable("updateSaga")
  // The schema name was checked against a strict identifier pattern by PgDatabase.
  const sagas = `"${database.config.schema}".sagas`
  const sagaLog = `"${database.config.schema}".saga_log`
  const insertLog = (cte: string, param: string) =>
    `INSERT INTO ${sagaLog} (saga_id, step_index, step, phase, status, attempt, error)
     SELECT ${cte}.id, (e.v->>'i')::int, e.v->>'s', e.v->>'p', e.v->>'t', (e.v->>'a')::int, e.v->>'e'
     FROM ${cte} CROSS JOIN jsonb_array_elements(${param}::jsonb) WITH ORDINALITY AS e(v, ord) ORDER BY e.ord`
  const leaseAt = (param: string) => `clock_timestamp() + ${param}::float8 * interval '1 millisecond'`
  const createText = `WITH s AS (
      INSERT INTO ${sagas} (id, name, status, context, version, owner, lease_expires_at, correlation_id, traceparent)
      VALUES ($1, $2, $3, $4::jsonb, 1, $5, ${leaseAt("$6")}, $8::text, $9::text)
      ON CONFLICT (id) DO NOTHING RETURNING *),
    l AS (${insertLog("s", "$7")})
    SELECT * FROM s`
  // Absent changes are NULL parameters that keep the column's value.
  const updateText = `WITH u AS (
      UPDATE ${sagas} SET
        version = version + 1,
        updated_at = now(),
        owner = CASE WHEN $4::boolean THEN NULL ELSE owner END,
        lease_expires_at = CASE WHEN $4::boolean THEN NULL ELSE ${leaseAt("$5")} END,
        status = COALESCE($6::text, status),
        context = COALESCE($7::jsonb, context),
        failed_step = COALESCE($8::text, failed_step),
        error = COALESCE($9::text, error),
        compensation_failed_step = COALESCE($10::text, compensation_failed_step),
        compensation_error = COALESCE($11::text, compensation_error)
      WHERE id = $1 AND version = $2 AND owner = $3
      RETURNING id, version),
    l AS (${insertLog("u", "$12")})
    SELECT version FROM u`

  return {
    create: (saga, log, lease) =>
      database.sql
        .unsafe<Selectable<SagasTable>>(createText, [
          saga.id,
          saga.name,
          saga.status,
          JSON.stringify(saga.context),
          saga.owner,
          leaseMillis(lease),
          logJson(log),
          saga.correlationId ?? null,
          saga.traceparent ?? null
        ])
        .pipe(
          Effect.mapError(createFailed),
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
      return database.sql
        .unsafe<{ readonly version: number }>(updateText, [
          id,
          input.version,
          input.owner,
          released,
          input.lease === "release" ? 0 : leaseMillis(input.lease),
          c.status ?? null,
          c.context === undefined ? null : JSON.stringify(c.context),
          c.failedStep ?? null,
          c.error ?? null,
          c.compensationFailedStep ?? null,
          c.compensationError ?? null,
          logJson(input.log)
        ])
        .pipe(
          Effect.mapError(updateFailed),
          Effect.flatMap((rows) => {
            const row = rows[0]
            return row === undefined
              ? Effect.fail(
                  new SagaConflict({ sagaId: id, expectedVersion: input.version, owner: input.owner })
                )
              : Effect.succeed(row.version)
          })
        )
    },
    get: (id) =>
      run(db.selectFrom("sagas").selectAll().where("id", "=", id)).pipe(
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
              index: row.step_index,
              step: row.step,
              phase: phaseOf(row.phase),
              status: stepStatusOf(row.status),
              attempt: row.attempt,
              error: row.error ?? undefined,
              at: DateTime.makeUnsafe(row.at)
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
    // A concurrent claimer waits on the row lock, then re-checks the condition against the winner's
    // row: it no longer matches, so exactly one claim succeeds.
    claim: (id, owner, lease) =>
      run(
        db
          .updateTable("sagas")
          .set({
            owner,
            lease_expires_at: leaseUntil(lease),
            version: sql`version + 1`,
            recovery_attempts: sql`recovery_attempts + 1`,
            updated_at: sql`now()`
          })
          .where("id", "=", id)
          .where("status", "in", inFlight)
          .where(available(owner))
          .returningAll()
      ).pipe(
        Effect.map((rows) => Option.map(Option.fromUndefinedOr(rows[0]), toRecord)),
        Effect.mapError(unavailable("claimSaga"))
      ),
    // Only from compensation_failed: the row lock makes two reopeners race to one winner.
    reopen: (id, lease) =>
      run(
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
            updated_at: sql`now()`
          })
          .where("id", "=", id)
          .where("status", "=", "compensation_failed")
          .returningAll()
      ).pipe(
        Effect.map((rows) => Option.map(Option.fromUndefinedOr(rows[0]), toRecord)),
        Effect.mapError(unavailable("reopenSaga"))
      ),
    renewLease: (id, owner, lease) =>
      run(
        db
          .updateTable("sagas")
          .set({ lease_expires_at: leaseUntil(lease) })
          .where("id", "=", id)
          .where("owner", "=", owner)
          .returning("id")
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        Effect.mapError(unavailable("renewSagaLease"))
      )
  }
})

export const layer: Layer.Layer<SagaStore.SagaStore, never, PgDatabase> = Layer.effect(
  SagaStore.SagaStore,
  make
)
