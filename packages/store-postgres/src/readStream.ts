/** One stream's events by version, forwards or backwards; `StreamNotFound` when it has none. */
import { Append, type EventStore, StreamNotFound } from "@cello/eventsourcing"
import { Effect } from "effect"
import { envelopeColumns, toEnvelope } from "./internal/envelope.js"
import type { PgDatabaseShape } from "./PgDatabase.js"

export const readStream =
  (database: PgDatabaseShape): EventStore.EventStoreShape["readStream"] =>
  (streamId, options = {}) =>
    Effect.gen(function* () {
      if (!Append.isStorableStreamId(streamId)) return yield* new StreamNotFound({ streamId })
      const backwards = options.direction === "backwards"
      let query = database.db.selectFrom("events").select(envelopeColumns).where("stream_id", "=", streamId)
      if (options.from !== undefined)
        query = query.where("stream_version", backwards ? "<=" : ">=", String(options.from))
      query = query.orderBy("events.stream_version", backwards ? "desc" : "asc")
      if (options.limit !== undefined) query = query.limit(Math.max(0, options.limit))
      const rows = yield* database.run(query)
      if (rows.length === 0) {
        const exists = yield* database.run(
          database.db.selectFrom("streams").select("stream_id").where("stream_id", "=", streamId)
        )
        if (exists.length === 0) return yield* new StreamNotFound({ streamId })
      }
      return rows.map(toEnvelope)
    }).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(database.unavailable("readStream")(e))))
