/**
 * Append in one round trip: the `append_events` function (migration 0004) queues the stream's
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
import { Effect } from "effect"
import type { SqlError } from "effect/sql"
import { sql } from "kysely"
import { toEnvelope } from "./internal/envelope.js"
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
      // The payloads are JSON text already: spliced into one JSON array, parsed once by the server.
      const batch = `[${prepared
        .map(
          (e) =>
            `{"event_id":${JSON.stringify(e.eventId)},"type":${JSON.stringify(e.type)},"schema_version":${e.schemaVersion},"data":${e.dataJson},"metadata":${e.metadataJson}}`
        )
        .join(",")}]`
      const statement = sql<AppendRow>`SELECT pos AS position, xid AS transaction_id, version AS stream_version, at AS created_at,
          current_version::text AS current_version
        FROM ${sql.id(database.config.schema, "append_events")}(${streamId}, ${expectedCode(expected)}, ${batch}::jsonb)
        ORDER BY version`
      const write = Effect.gen(function* () {
        const inserted = yield* database
          .run(statement.compile(database.db))
          .pipe(Effect.catchTag("SqlError", mapAppendError(database, streamId)))
        const rows = inserted.filter(isInserted)
        if (rows.length !== prepared.length)
          return yield* new ConcurrencyError({
            streamId,
            expected,
            actual: Number(inserted[0]?.current_version ?? 0)
          })
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
        if (options.inline !== undefined) yield* options.inline(envelopes)
        return envelopes
      })
      const envelopes =
        options.inline === undefined
          ? yield* write
          : // BEGIN/COMMIT failures and a lost connection are the store's; the inline step's own
            // errors pass through as they are.
            yield* transaction(database, write, database.unavailable("append"))
      yield* onCommit
      const last = envelopes.at(-1)
      return {
        streamId,
        nextExpectedVersion: last?.streamVersion ?? 0,
        events: envelopes,
        checkpoint: last?.checkpoint
      }
    })

interface AppendRow {
  readonly position: bigint | null
  readonly transaction_id: string | null
  readonly stream_version: bigint | null
  readonly created_at: Date | null
  readonly current_version: string
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
