/**
 * One stream's events by version, forwards or backwards, in one round trip: the stream's first event
 * (a stream exists while it has events) drives a lateral read of its events in range, so "no such
 * stream" (no row) and "no event in that range" (one row of nulls) are told apart without a second
 * query. Rows do not repeat the stream id the caller gave (a tenth of a long replay's bytes).
 */
import { Append, type EventEnvelope, type EventStore, StreamNotFound } from "@cello/eventsourcing"
import { Effect } from "effect"
import { sql } from "kysely"
import { type EnvelopeRow, pageReader } from "./internal/envelope.js"
import { eventsourcingUnavailable } from "./internal/eventsourcingUnavailable.js"
import type { PgDatabaseShape } from "./PgDatabase.js"

type StreamRow = Omit<EnvelopeRow, "stream_id">
type Nullable<T> = { readonly [K in keyof T]: T[K] | null }

// The lateral join yields either a whole event or, for a stream with none in range, a row of nulls.
const isEvent = (row: Nullable<StreamRow>): row is StreamRow => row.position !== null

export const readStream =
  (database: PgDatabaseShape): EventStore.EventStoreShape["readStream"] =>
  (streamId, options = {}) =>
    Effect.gen(function* () {
      if (!Append.isStorableStreamId(streamId)) return yield* new StreamNotFound({ streamId })
      const backwards = options.direction === "backwards"
      const { schema } = database.config
      const range =
        options.from === undefined
          ? sql``
          : backwards
            ? sql`AND e.stream_version <= ${options.from}`
            : sql`AND e.stream_version >= ${options.from}`
      const direction = backwards ? sql`DESC` : sql`ASC`
      const limit = options.limit === undefined ? sql`` : sql`LIMIT ${Math.max(0, options.limit)}`
      const query = sql<Nullable<StreamRow>>`
        SELECT e.* FROM (
          SELECT stream_id FROM ${sql.id(schema, "events")} WHERE stream_id = ${streamId} LIMIT 1
        ) AS s
        LEFT JOIN LATERAL (
          SELECT position, transaction_id::text AS transaction_id, event_id, stream_version,
            type, schema_version, data, metadata, created_at
          FROM ${sql.id(schema, "events")} AS e
          WHERE e.stream_id = s.stream_id ${range}
          ORDER BY e.stream_version ${direction} ${limit}
        ) AS e ON true
        ORDER BY e.stream_version ${direction}`
      const rows = yield* database.run(query.compile(database.db))
      if (rows.length === 0) return yield* new StreamNotFound({ streamId })
      const envelopes: Array<EventEnvelope> = []
      const read = pageReader()
      for (const row of rows) if (isEvent(row)) envelopes.push(read(streamId, row))
      return envelopes
    }).pipe(
      Effect.catchTag("SqlError", (e) => Effect.fail(eventsourcingUnavailable(database, "readStream")(e)))
    )
