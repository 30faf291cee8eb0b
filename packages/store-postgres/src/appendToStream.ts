/**
 * Append in one round trip: the `append_events` function (migrations 0004, 0005, 0008) queues the stream's
 * writers on an advisory lock, reads the stream's last version, checks the expected one and inserts
 * every event in one INSERT; a losing writer inserts nothing and burns no position. Writers of one
 * stream get their transaction ids in the order they got the stream, so readers ordering by
 * (transaction id, position) see each stream's events in version order. Atomic by itself; with
 * inline projections it runs in a transaction with them. There is no NOTIFY here: PostgreSQL
 * serializes the commits of notifying transactions on one global lock, so the store wakes other
 * processes with a separate, coalesced NOTIFY after commit (`onCommit`).
 */
import {
  Append,
  Checkpoint,
  ConcurrencyError,
  type ExpectedVersion as EV,
  type EventEnvelope,
  type EventMetadata,
  type EventStore,
  InvalidAppendError,
  type StoreUnavailable
} from "@cello/eventsourcing"
import { DateTime, Effect, Predicate } from "effect"
import type { SqlError } from "effect/sql"
import { sql } from "kysely"
import { eventsourcingUnavailable } from "./internal/eventsourcingUnavailable.js"
import { transaction } from "./internal/transaction.js"
import type { PgDatabaseShape } from "./PgDatabase.js"

/** The function's code for an expected version: the version itself, -1 for any, -2 for "exists". */
const expectedCode = (expected: EV.ExpectedVersion): number =>
  expected === "any" ? -1 : expected === "stream_exists" ? -2 : expected === "no_stream" ? 0 : expected

const currentVersion = (database: PgDatabaseShape, streamId: string) =>
  database
    .run(
      database.db
        .selectFrom("events")
        .select(sql<string>`coalesce(max(stream_version), 0)::text`.as("version"))
        .where("stream_id", "=", streamId)
    )
    .pipe(Effect.map((rows) => Number(rows[0]?.version ?? 0)))

// The text was produced by `Append.prepare` from an `EventMetadata` value, so it parses back to one.
const parseMetadata = (json: string): EventMetadata => JSON.parse(json)

/** The server's SQLSTATE and detail of a failed statement, where the driver kept them. */
const serverError = (error: SqlError.SqlError): { readonly code: string; readonly detail: string } => {
  const cause: unknown = error.reason.cause
  const field = (name: string): string =>
    Predicate.hasProperty(cause, name) && typeof cause[name] === "string" ? cause[name] : ""
  return { code: field("code"), detail: field("detail") }
}

const orderConflict =
  "a newer transaction wrote this stream while this transaction held an older id (it appended to another stream first); retry the whole transaction"

const uuidIn = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/

const mapAppendError =
  (database: PgDatabaseShape, streamId: string, expected: EV.ExpectedVersion) =>
  (
    error: SqlError.SqlError
  ): Effect.Effect<never, ConcurrencyError | InvalidAppendError | StoreUnavailable> => {
    const { code, detail } = serverError(error)
    // An id stored elsewhere (CE003 names it; a later id of the batch trips the unique index).
    if (code === "CE003" || (code === "23505" && detail.includes("event_id"))) {
      const id = uuidIn.exec(detail)?.[0] ?? "of this append"
      return Effect.fail(
        new InvalidAppendError({
          streamId,
          reason: `event id ${id} is already stored, in another stream or at other versions`
        })
      )
    }
    // Two transactions appending to the same streams in opposite orders: one of them is undone.
    if (error.reason._tag === "DeadlockError")
      return Effect.fail(
        new ConcurrencyError({
          streamId,
          expected,
          actual: -1,
          reason:
            "deadlock with another transaction appending to the same streams; retry the whole transaction"
        })
      )
    // A shape that cannot be ordered: readers may already have passed this transaction's id.
    if (code === "CE001")
      return Effect.fail(
        new InvalidAppendError({
          streamId,
          reason:
            "this transaction wrote before its first append, and newer transactions have appended since: append before other writes in a transaction (or retry it)"
        })
      )
    return Effect.fail(eventsourcingUnavailable(database, "append")(error))
  }

export const appendToStream = (
  database: PgDatabaseShape,
  onCommit: Effect.Effect<void>
): EventStore.EventStoreShape["append"] => {
  // Built once, and short: the driver looks its prepared statement up by this text on every append.
  const statement =
    sql`SELECT * FROM ${sql.id(database.config.schema, "append_events")}($1, $2, $3::jsonb) ORDER BY version`.compile(
      database.db
    ).sql
  // A chain of steps, not a generator: a generator's fiber steps cost µs on every append.
  return (streamId, events, options = {}) =>
    Effect.flatMap(Append.prepare(streamId, events, options), (prepared) => {
      const expected = options.expectedVersion ?? "any"
      if (prepared.length === 0)
        return currentVersion(database, streamId).pipe(
          Effect.mapError(eventsourcingUnavailable(database, "append")),
          Effect.flatMap((actual) =>
            expected !== "any" && !matchesEmpty(expected, actual)
              ? Effect.fail(new ConcurrencyError({ streamId, expected, actual }))
              : Effect.succeed({ streamId, nextExpectedVersion: actual, events: [], checkpoint: undefined })
          )
        )
      const run = database.unsafe<AppendRow>(statement, [streamId, expectedCode(expected), batchOf(prepared)])
      // One step answers the rows (or the error): alone, it also wakes subscribers; with inline
      // steps, it runs in their transaction.
      const written = <B>(then: (envelopes: ReadonlyArray<EventEnvelope>) => Effect.Effect<B>) =>
        Effect.matchEffect(run, {
          onFailure: mapAppendError(database, streamId, expected),
          onSuccess: (rows) => {
            const envelopes = envelopesOf(streamId, expected, prepared, rows)
            return envelopes instanceof ConcurrencyError ? Effect.fail(envelopes) : then(envelopes)
          }
        })
      const committed = (envelopes: ReadonlyArray<EventEnvelope>) =>
        Effect.as(onCommit, Append.resultOf(streamId, envelopes))
      const inline = options.inline
      if (inline === undefined) return written(committed)
      // BEGIN/COMMIT failures and a lost connection are the store's; the inline step's own errors
      // pass through as they are.
      return Effect.flatMap(
        transaction(
          database,
          Effect.tap(written(Effect.succeed), inline),
          eventsourcingUnavailable(database, "append")
        ),
        committed
      )
    })
}

/** The events as one JSON array: their payloads are JSON text already, parsed once by the server. */
const batchOf = (prepared: ReadonlyArray<Append.PreparedEvent>): string => {
  let batch = "["
  // An event id is a lower-case UUID (`Append.prepare` checked it): JSON as it is, in quotes.
  for (const e of prepared)
    batch += `${batch.length === 1 ? "" : ","}{"event_id":"${e.eventId}","type":${JSON.stringify(e.type)},"schema_version":${e.schemaVersion},"data":${e.dataJson},"metadata":${e.metadataJson}}`
  return `${batch}]`
}

/**
 * The appended envelopes, or the conflict the function answered. "conflict": another version than
 * expected; "order": in a transaction that appended to another stream first, a newer transaction
 * wrote this stream meanwhile (retry the whole transaction). "duplicate": this append was stored
 * before; its rows are the original result.
 */
const envelopesOf = (
  streamId: string,
  expected: EV.ExpectedVersion,
  prepared: ReadonlyArray<Append.PreparedEvent>,
  rows: ReadonlyArray<AppendRow>
): ReadonlyArray<EventEnvelope> | ConcurrencyError => {
  // The payloads are the ones just sent: build the envelopes from them, not from a second copy.
  // The function returns one row per prepared event, in order, or one row without a position.
  const envelopes: Array<EventEnvelope> = []
  let i = 0
  for (const event of prepared) {
    const row = rows[i++]
    if (row === undefined || !isInserted(row)) return conflictOf(streamId, expected, rows)
    // The same envelope `pageReader` makes of a read row, without a row object in between.
    envelopes.push({
      eventId: event.eventId,
      streamId,
      type: event.type,
      schemaVersion: event.schemaVersion,
      streamVersion: Number(row.version),
      position: Number(row.pos),
      checkpoint: Checkpoint.make(BigInt(row.xid), row.pos),
      timestamp: DateTime.fromDateUnsafe(row.at),
      data: JSON.parse(event.dataJson),
      metadata: parseMetadata(event.metadataJson)
    })
  }
  return rows.length === prepared.length ? envelopes : conflictOf(streamId, expected, rows)
}

const conflictOf = (
  streamId: string,
  expected: EV.ExpectedVersion,
  rows: ReadonlyArray<AppendRow>
): ConcurrencyError => {
  const actual = Number(rows[0]?.current_version ?? 0)
  return rows[0]?.outcome === "order"
    ? new ConcurrencyError({ streamId, expected, actual, reason: orderConflict })
    : new ConcurrencyError({ streamId, expected, actual })
}

/** A row of `append_events` (migration 0004's columns). */
interface AppendRow {
  readonly pos: bigint | null
  readonly xid: string | null
  readonly version: bigint | null
  readonly at: Date | null
  readonly current_version: bigint
  readonly outcome: "appended" | "duplicate" | "conflict" | "order"
}

/** A row of an append that went through (a conflict's only row has no position). */
const isInserted = (
  row: AppendRow
): row is AppendRow & {
  readonly pos: bigint
  readonly xid: string
  readonly version: bigint
  readonly at: Date
} => row.pos !== null && row.xid !== null && row.version !== null && row.at !== null

const matchesEmpty = (expected: EV.ExpectedVersion, actual: number): boolean =>
  expected === "no_stream" ? actual === 0 : expected === "stream_exists" ? actual > 0 : expected === actual
