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
  ConcurrencyError,
  type ExpectedVersion as EV,
  type EventEnvelope,
  type EventMetadata,
  type EventStore,
  InvalidAppendError,
  type StoreUnavailable
} from "@cello/eventsourcing"
import { Effect, Predicate } from "effect"
import type { SqlError } from "effect/sql"
import { sql } from "kysely"
import { toEnvelope } from "./internal/envelope.js"
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
  // The statement's text is the same for every append of this store: built once, not per append.
  const statement =
    sql`SELECT pos AS position, xid AS transaction_id, version AS stream_version, at AS created_at,
      current_version::text AS current_version, outcome
    FROM ${sql.id(database.config.schema, "append_events")}($1, $2, $3::jsonb)
    ORDER BY version`.compile(database.db).sql
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
      // The payloads are JSON text already: spliced into one JSON array, parsed once by the server.
      let batch = "["
      for (const [i, e] of prepared.entries())
        batch += `${i === 0 ? "" : ","}{"event_id":${JSON.stringify(e.eventId)},"type":${JSON.stringify(e.type)},"schema_version":${e.schemaVersion},"data":${e.dataJson},"metadata":${e.metadataJson}}`
      batch += "]"
      const insert = database.sql
        .unsafe<AppendRow>(statement, [streamId, expectedCode(expected), batch])
        .pipe(
          Effect.catchTag("SqlError", mapAppendError(database, streamId, expected)),
          Effect.flatMap((inserted) => envelopesOf(streamId, expected, prepared, inserted))
        )
      const inline = options.inline
      const stored =
        inline === undefined
          ? insert
          : // BEGIN/COMMIT failures and a lost connection are the store's; the inline step's own
            // errors pass through as they are.
            transaction(database, Effect.tap(insert, inline), eventsourcingUnavailable(database, "append"))
      return Effect.flatMap(stored, (envelopes) => {
        const last = envelopes.at(-1)
        return Effect.as(onCommit, {
          streamId,
          nextExpectedVersion: last?.streamVersion ?? 0,
          events: envelopes,
          checkpoint: last?.checkpoint
        })
      })
    })
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
  inserted: ReadonlyArray<AppendRow>
): Effect.Effect<ReadonlyArray<EventEnvelope>, ConcurrencyError> => {
  const rows = inserted.filter(isInserted)
  if (rows.length !== prepared.length) {
    const actual = Number(inserted[0]?.current_version ?? 0)
    return Effect.fail(
      inserted[0]?.outcome === "order"
        ? new ConcurrencyError({ streamId, expected, actual, reason: orderConflict })
        : new ConcurrencyError({ streamId, expected, actual })
    )
  }
  // The payloads are the ones just sent: build the envelopes from them, not from a second copy.
  // The function returns one row per prepared event, in order.
  const envelopes: Array<EventEnvelope> = []
  for (const [i, event] of prepared.entries()) {
    const row = rows[i]
    if (row === undefined) break
    envelopes.push(
      toEnvelope({
        ...row,
        event_id: event.eventId,
        stream_id: streamId,
        type: event.type,
        schema_version: event.schemaVersion,
        data: JSON.parse(event.dataJson),
        metadata: parseMetadata(event.metadataJson)
      })
    )
  }
  return Effect.succeed(envelopes)
}

interface AppendRow {
  readonly position: bigint | null
  readonly transaction_id: string | null
  readonly stream_version: bigint | null
  readonly created_at: Date | null
  readonly current_version: string
  readonly outcome: "appended" | "duplicate" | "conflict" | "order"
}

/** A row of an append that went through (a conflict's only row has no position). */
const isInserted = (
  row: AppendRow
): row is AppendRow & {
  readonly position: bigint
  readonly transaction_id: string
  readonly stream_version: bigint
  readonly created_at: Date
} =>
  row.position !== null &&
  row.transaction_id !== null &&
  row.stream_version !== null &&
  row.created_at !== null

const matchesEmpty = (expected: EV.ExpectedVersion, actual: number): boolean =>
  expected === "no_stream" ? actual === 0 : expected === "stream_exists" ? actual > 0 : expected === actual
