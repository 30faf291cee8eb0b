/**
 * One stream's events by version, forwards or backwards. A stream exists while it has events, so
 * "no such stream" is told apart from "no event in that range" by a second, indexed probe only when
 * the range is empty.
 */
import { Append, type EventStore, StreamNotFound } from "@cello/eventsourcing"
import { Effect } from "effect"
import { streamEnvelopeColumns, toStreamEnvelopes } from "./internal/envelope.js"
import type { MysqlDatabaseShape } from "./MysqlDatabase.js"

export const readStream =
  (database: MysqlDatabaseShape): EventStore.EventStoreShape["readStream"] =>
  (streamId, options = {}) =>
    Effect.gen(function* () {
      if (!Append.isStorableStreamId(streamId)) return yield* new StreamNotFound({ streamId })
      const backwards = options.direction === "backwards"
      const { db, run, runValues } = database
      let query = db
        .selectFrom("events")
        .select(streamEnvelopeColumns)
        .where("stream_id", "=", streamId)
        .orderBy("stream_version", backwards ? "desc" : "asc")
      if (options.from !== undefined)
        query = query.where("stream_version", backwards ? "<=" : ">=", Math.max(0, options.from))
      if (options.limit !== undefined) query = query.limit(Math.max(0, options.limit))
      const rows = yield* runValues(query)
      if (rows.length === 0) {
        const exists = yield* run(
          db.selectFrom("events").select("position").where("stream_id", "=", streamId).limit(1)
        )
        if (exists.length === 0) return yield* new StreamNotFound({ streamId })
      }
      return toStreamEnvelopes(streamId, rows)
    }).pipe(Effect.catchTag("MysqlError", (e) => Effect.fail(database.unavailable("readStream")(e))))
