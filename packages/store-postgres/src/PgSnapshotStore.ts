/** Snapshots on PostgreSQL: one row per stream; an upsert never replaces a newer snapshot. */
import { SnapshotStore } from "@cello/eventsourcing"
import { DateTime, Effect, Layer, Option } from "effect"
import { sql } from "kysely"
import { eventsourcingUnavailable } from "./internal/eventsourcingUnavailable.js"
import { PgDatabase } from "./PgDatabase.js"

export const make: Effect.Effect<SnapshotStore.SnapshotStoreShape, never, PgDatabase> = Effect.gen(
  function* () {
    const database = yield* PgDatabase
    const { db, run } = database
    return {
      save: (snapshot) =>
        run(
          db
            .insertInto("snapshots")
            .values({
              stream_id: snapshot.streamId,
              stream_version: snapshot.streamVersion,
              state_version: snapshot.stateVersion,
              state: JSON.stringify(snapshot.state)
            })
            .onConflict((oc) =>
              oc
                .column("stream_id")
                .doUpdateSet({
                  stream_version: sql`excluded.stream_version`,
                  state_version: sql`excluded.state_version`,
                  state: sql`excluded.state`,
                  taken_at: sql`now()`
                })
                .where("snapshots.stream_version", "<=", sql<string>`excluded.stream_version`)
            )
        ).pipe(Effect.asVoid, Effect.mapError(eventsourcingUnavailable(database, "saveSnapshot"))),
      load: (streamId) =>
        run(
          db
            .selectFrom("snapshots")
            .select([
              "stream_id",
              sql<string>`stream_version::text`.as("stream_version"),
              "state_version",
              sql<string>`state::text`.as("state"),
              sql<number>`(extract(epoch from taken_at) * 1000)::float8`.as("taken_ms")
            ])
            .where("stream_id", "=", streamId)
        ).pipe(
          Effect.map((rows) =>
            Option.map(Option.fromUndefinedOr(rows[0]), (row) => ({
              streamId: row.stream_id,
              streamVersion: Number(row.stream_version),
              stateVersion: Number(row.state_version),
              state: JSON.parse(row.state),
              takenAt: DateTime.makeUnsafe(Number(row.taken_ms))
            }))
          ),
          Effect.mapError(eventsourcingUnavailable(database, "loadSnapshot"))
        ),
      delete: (streamId) =>
        run(db.deleteFrom("snapshots").where("stream_id", "=", streamId)).pipe(
          Effect.asVoid,
          Effect.mapError(eventsourcingUnavailable(database, "deleteSnapshot"))
        )
    }
  }
)

export const layer: Layer.Layer<SnapshotStore.SnapshotStore, never, PgDatabase> = Layer.effect(
  SnapshotStore.SnapshotStore,
  make
)
