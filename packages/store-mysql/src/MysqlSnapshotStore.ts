/** Snapshots on MySQL: one row per stream; an upsert never replaces a newer snapshot. */
import { SnapshotStore } from "@cello/eventsourcing"
import { DateTime, Effect, Layer, Option } from "effect"
import { sql } from "kysely"
import { utcMillis } from "./internal/envelope.js"
import { MysqlDatabase } from "./MysqlDatabase.js"

export const make: Effect.Effect<SnapshotStore.SnapshotStoreShape, never, MysqlDatabase> = Effect.gen(
  function* () {
    const database = yield* MysqlDatabase
    const { db, run, execute } = database
    // Assignments run left to right: the version, which the others compare with, is assigned last.
    const newer = sql`stream_version <= VALUES(stream_version)`
    return {
      save: (snapshot) =>
        execute(
          db
            .insertInto("snapshots")
            .values({
              stream_id: snapshot.streamId,
              stream_version: snapshot.streamVersion,
              state_version: snapshot.stateVersion,
              state: JSON.stringify(snapshot.state),
              taken_at: sql<string>`UTC_TIMESTAMP(6)`
            })
            .onDuplicateKeyUpdate({
              state_version: sql`IF(${newer}, VALUES(state_version), state_version)`,
              state: sql`IF(${newer}, VALUES(state), state)`,
              taken_at: sql`IF(${newer}, VALUES(taken_at), taken_at)`,
              stream_version: sql`IF(${newer}, VALUES(stream_version), stream_version)`
            })
        ).pipe(Effect.asVoid, Effect.mapError(database.unavailable("saveSnapshot"))),
      load: (streamId) =>
        run(
          db
            .selectFrom("snapshots")
            .select(["stream_version", "state_version", "state", "taken_at"])
            .where("stream_id", "=", streamId)
        ).pipe(
          Effect.map((rows) =>
            Option.map(Option.fromUndefinedOr(rows[0]), (row) => ({
              streamId,
              streamVersion: Number(row.stream_version),
              stateVersion: Number(row.state_version),
              state: JSON.parse(row.state),
              takenAt: DateTime.makeUnsafe(utcMillis(row.taken_at))
            }))
          ),
          Effect.mapError(database.unavailable("loadSnapshot"))
        ),
      delete: (streamId) =>
        execute(db.deleteFrom("snapshots").where("stream_id", "=", streamId)).pipe(
          Effect.asVoid,
          Effect.mapError(database.unavailable("deleteSnapshot"))
        )
    }
  }
)

export const layer: Layer.Layer<SnapshotStore.SnapshotStore, never, MysqlDatabase> = Layer.effect(
  SnapshotStore.SnapshotStore,
  make
)
