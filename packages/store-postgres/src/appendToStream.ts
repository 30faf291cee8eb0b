/**
 * Append in one statement: the stream row is checked and moved first (so a losing writer inserts
 * nothing and burns no position), then all events are inserted in one INSERT. Writers of one stream
 * first queue on an advisory lock, which needs no transaction id: the id PostgreSQL assigns at the
 * first write then follows the order in which writers got the stream, so readers ordering by
 * (transaction id, position) see each stream's events in version order. One round trip, atomic
 * by itself; with inline projections it runs in a transaction with them. There is no NOTIFY here:
 * PostgreSQL serializes the commits of notifying transactions on one global lock, so the store wakes
 * other processes with a separate, coalesced NOTIFY after commit (`onCommit`).
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
import { Effect } from "effect"
import { SqlError } from "effect/sql"
import { type RawBuilder, sql } from "kysely"
import { toEnvelope } from "./internal/envelope.js"
import type { PgDatabaseShape } from "./PgDatabase.js"

const streamMove = (
  database: PgDatabaseShape,
  streamId: string,
  count: number,
  expected: EV.ExpectedVersion
): RawBuilder<unknown> => {
  const streams = sql.id(database.config.schema, "streams")
  switch (expected) {
    // Each reads FROM the `locked` CTE, so the stream's advisory lock is held before this first write
    // gives the transaction its id (see the statement below).
    case "any":
      return sql`INSERT INTO ${streams} AS s (stream_id, version) SELECT ${streamId}, ${count} FROM locked
        ON CONFLICT (stream_id) DO UPDATE SET version = s.version + ${count}, updated_at = now() RETURNING version`
    case "no_stream":
    case 0:
      return sql`INSERT INTO ${streams} (stream_id, version) SELECT ${streamId}, ${count} FROM locked
        ON CONFLICT (stream_id) DO NOTHING RETURNING version`
    case "stream_exists":
      return sql`UPDATE ${streams} SET version = version + ${count}, updated_at = now()
        FROM locked WHERE stream_id = ${streamId} RETURNING version`
    default:
      return sql`UPDATE ${streams} SET version = version + ${count}, updated_at = now()
        FROM locked WHERE stream_id = ${streamId} AND version = ${expected} RETURNING version`
  }
}

const currentVersion = (database: PgDatabaseShape, streamId: string) =>
  database
    .run(
      database.db
        .selectFrom("streams")
        .select(sql<string>`version::text`.as("version"))
        .where("stream_id", "=", streamId)
    )
    .pipe(Effect.map((rows) => Number(rows[0]?.version ?? 0)))

// The text was produced by `Append.prepare` from an `EventMetadata` value, so it parses back to one.
const parseMetadata = (json: string): EventMetadata => JSON.parse(json)

const mapAppendError =
  (database: PgDatabaseShape, streamId: string) =>
  (error: SqlError.SqlError): Effect.Effect<never, InvalidAppendError | StoreUnavailable> => {
    const reason = error.reason
    if (reason._tag === "UniqueViolation" && reason.constraint.includes("event_id"))
      return Effect.fail(
        new InvalidAppendError({ streamId, reason: "an event id of this append is already stored" })
      )
    return Effect.fail(database.unavailable("append")(error))
  }

export const appendToStream =
  (database: PgDatabaseShape, onCommit: Effect.Effect<void>): EventStore.EventStoreShape["append"] =>
  (streamId, events, options = {}) =>
    Effect.gen(function* () {
      const prepared = yield* Append.prepare(streamId, events, options)
      const expected = options.expectedVersion ?? "any"
      if (prepared.length === 0) {
        const actual = yield* currentVersion(database, streamId).pipe(
          Effect.mapError(database.unavailable("append"))
        )
        if (expected !== "any" && !matchesEmpty(expected, actual))
          return yield* new ConcurrencyError({ streamId, expected, actual })
        return { streamId, nextExpectedVersion: actual, events: [], checkpoint: undefined }
      }
      const k = prepared.length
      const rows = sql.join(
        prepared.map(
          (e, i) =>
            sql`(${e.eventId}::uuid, ${e.type}, ${e.schemaVersion}::int, ${e.dataJson}::jsonb, ${e.metadataJson}::jsonb, ${i + 1}::int)`
        )
      )
      const events_ = sql.id(database.config.schema, "events")
      const statement = sql<{
        readonly position: bigint
        readonly transaction_id: string
        readonly stream_version: bigint
        readonly created_at: Date
      }>`
        WITH locked AS (SELECT pg_advisory_xact_lock(hashtextextended(${`cello:${streamId}`}, 0))),
        stream AS (${streamMove(database, streamId, k, expected)}),
        inserted AS (
          INSERT INTO ${events_} (event_id, type, schema_version, data, metadata, stream_id, stream_version)
          SELECT v.event_id, v.type, v.schema_version, v.data, v.metadata, ${streamId}, stream.version - ${k} + v.n
          FROM stream, (VALUES ${rows}) AS v(event_id, type, schema_version, data, metadata, n)
          ORDER BY v.n
          RETURNING position, transaction_id, stream_version, created_at
        )
        SELECT position, transaction_id::text AS transaction_id, stream_version, created_at
        FROM inserted ORDER BY inserted.stream_version`
      const write = Effect.gen(function* () {
        const inserted = yield* database
          .run(statement.compile(database.db))
          .pipe(Effect.catchTag("SqlError", mapAppendError(database, streamId)))
        if (inserted.length === 0) {
          const actual = yield* currentVersion(database, streamId).pipe(
            Effect.mapError(database.unavailable("append"))
          )
          return yield* new ConcurrencyError({ streamId, expected, actual })
        }
        // The payloads are the ones just sent: build the envelopes from them, not from a second copy.
        // The statement returns one row per prepared event, in order.
        const envelopes: Array<EventEnvelope> = []
        for (const [i, event] of prepared.entries()) {
          const row = inserted[i]
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
        if (options.inline !== undefined) yield* options.inline(envelopes)
        return envelopes
      })
      const envelopes =
        options.inline === undefined
          ? yield* write
          : // BEGIN/COMMIT failures are the store's; the inline step's own errors pass through as they are.
            yield* database.sql
              .withTransaction(write)
              .pipe(
                Effect.mapError((e) =>
                  e instanceof SqlError.SqlError ? database.unavailable("append")(e) : e
                )
              )
      yield* onCommit
      const last = envelopes.at(-1)
      return {
        streamId,
        nextExpectedVersion: last?.streamVersion ?? 0,
        events: envelopes,
        checkpoint: last?.checkpoint
      }
    })

const matchesEmpty = (expected: EV.ExpectedVersion, actual: number): boolean =>
  expected === "no_stream" ? actual === 0 : expected === "stream_exists" ? actual > 0 : expected === actual
