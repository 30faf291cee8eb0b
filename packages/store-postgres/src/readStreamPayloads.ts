/**
 * A stream's events from a version on, with only the four columns an aggregate load decodes. The
 * driver's rows are the payloads (columns named for their fields), so a 10,000-event replay
 * decodes four columns a row instead of nine and builds no envelope; a stream with no event reads
 * as none, without the probe `readStream` needs to tell "no stream" apart.
 */
import { Append, type EventPayload, type EventStore } from "@cello/eventsourcing"
import { Effect } from "effect"
import { sql } from "kysely"
import { eventsourcingUnavailable } from "./internal/eventsourcingUnavailable.js"
import type { PgDatabaseShape } from "./PgDatabase.js"

export const readStreamPayloads = (
  database: PgDatabaseShape
): NonNullable<EventStore.EventStoreShape["readStreamPayloads"]> => {
  // Built once per store. A version as float8 is the exact number `Number(bigint)` would give (every
  // version below 2^53), without a BigInt per row.
  const statement = sql`SELECT type, schema_version AS "schemaVersion",
      stream_version::float8 AS "streamVersion", data
    FROM ${sql.id(database.config.schema, "events")}
    WHERE stream_id = $1 AND stream_version >= $2
    ORDER BY stream_version`.compile(database.db).sql
  return (streamId, from) =>
    !Append.isStorableStreamId(streamId)
      ? Effect.succeed([])
      : database.sql
          .unsafe<EventPayload>(statement, [streamId, from])
          .pipe(Effect.mapError(eventsourcingUnavailable(database, "readStreamPayloads")))
}
