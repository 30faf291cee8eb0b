/**
 * A stream's events from a version on, with only the four columns an aggregate load decodes: half
 * the columns `readStream` reads, no envelope (event id, checkpoint, timestamp, metadata) built per
 * event, and no second probe for "no such stream" (a stream with no event reads as none).
 */
import { Append, type EventPayload, type EventStore } from "@cello/eventsourcing"
import { Effect } from "effect"
import type { MysqlDatabaseShape } from "./MysqlDatabase.js"

// Rows as arrays of these values, in this order (`runValues`): no object per row from the driver.
const columns = ["type", "schema_version", "stream_version", "data"] as const

const payload = (values: ReadonlyArray<unknown>): EventPayload => ({
  type: String(values[0]),
  schemaVersion: Number(values[1]),
  // BIGINT arrives as exact decimal text; every version below 2^53 is exact as a number.
  streamVersion: Number(values[2]),
  data: JSON.parse(String(values[3]))
})

export const readStreamPayloads =
  (database: MysqlDatabaseShape): NonNullable<EventStore.EventStoreShape["readStreamPayloads"]> =>
  (streamId, from) =>
    !Append.isStorableStreamId(streamId)
      ? Effect.succeed([])
      : database
          .runValues(
            database.db
              .selectFrom("events")
              .select(columns)
              .where("stream_id", "=", streamId)
              .where("stream_version", ">=", Math.max(0, from))
              .orderBy("stream_version")
          )
          .pipe(
            Effect.map((rows) => rows.map(payload)),
            Effect.mapError(database.unavailable("readStreamPayloads"))
          )
