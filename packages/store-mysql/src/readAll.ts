/**
 * The global log after a checkpoint, in position order. Positions are assigned in commit order (see
 * appendToStream.ts), so what a reader sees is always a gap-free prefix: `position > last` is safe.
 */
import {
  Append,
  Checkpoint,
  type EventEnvelope,
  type EventStore,
  type StoreUnavailable
} from "@cello/eventsourcing"
import { Effect } from "effect"
import { sql } from "kysely"
import { checkpointAt, envelopeColumns, toEnvelopes } from "./internal/envelope.js"
import type { MysqlDatabaseShape } from "./MysqlDatabase.js"

export const readAllAfter = (
  database: MysqlDatabaseShape,
  from: Checkpoint.Checkpoint,
  limit: number
): Effect.Effect<ReadonlyArray<EventEnvelope>, StoreUnavailable> =>
  database
    .runValues(
      database.db
        .selectFrom("events")
        .select(envelopeColumns)
        .where("position", ">", from.position.toString())
        .orderBy("position")
        .limit(Math.max(0, limit))
    )
    .pipe(
      Effect.map((rows) => toEnvelopes(rows)),
      Effect.mapError(database.unavailable("readAll"))
    )

export const readAll =
  (database: MysqlDatabaseShape): EventStore.EventStoreShape["readAll"] =>
  (options = {}) =>
    readAllAfter(database, options.from ?? Checkpoint.start, options.limit ?? 10_000)

/** The newest event's checkpoint. */
export const head = (database: MysqlDatabaseShape): Effect.Effect<Checkpoint.Checkpoint, StoreUnavailable> =>
  database
    .run(database.db.selectFrom("events").select(sql<string | null>`MAX(position)`.as("position")))
    .pipe(
      Effect.map((rows) => {
        const position = rows[0]?.position
        return position == null ? Checkpoint.start : checkpointAt(position)
      }),
      Effect.mapError(database.unavailable("head"))
    )

export const streamVersion =
  (database: MysqlDatabaseShape): EventStore.EventStoreShape["streamVersion"] =>
  (streamId) =>
    Append.isStorableStreamId(streamId)
      ? database
          .run(
            database.db
              .selectFrom("events")
              .select(sql<string>`COALESCE(MAX(stream_version), 0)`.as("version"))
              .where("stream_id", "=", streamId)
          )
          .pipe(
            Effect.map((rows) => Number(rows[0]?.version ?? 0)),
            Effect.mapError(database.unavailable("streamVersion"))
          )
      : Effect.succeed(0)
