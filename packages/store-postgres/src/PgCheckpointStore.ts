/**
 * Checkpoints and projection leases on PostgreSQL. A lease is taken with one conditional upsert
 * (free, expired, or already ours), timed by the database clock so instances need not agree on time.
 */
import { Checkpoint, CheckpointStore } from "@cello/eventsourcing"
import { Duration, Effect, Layer, Option } from "effect"
import { CompiledQuery, sql } from "kysely"
import { eventsourcingUnavailable } from "./internal/eventsourcingUnavailable.js"
import { transaction } from "./internal/transaction.js"
import { PgDatabase } from "./PgDatabase.js"

export const make: Effect.Effect<CheckpointStore.CheckpointStoreShape, never, PgDatabase> = Effect.gen(
  function* () {
    const database = yield* PgDatabase
    const { db, run } = database
    // Built and compiled once: a projection saves its checkpoint once a page, and kysely takes about
    // as long to build this upsert as the driver takes to send it. Its parameters: name, xid8, position.
    const upsert = db
      .insertInto("checkpoints")
      .values({ name: "", transaction_id: sql<string>`${"0"}::xid8`, position: "0" })
      .onConflict((oc) =>
        oc.column("name").doUpdateSet({
          transaction_id: sql`excluded.transaction_id`,
          position: sql`excluded.position`,
          updated_at: sql`now()`
        })
      )
      .compile()
    return {
      load: (name) =>
        run(
          db
            .selectFrom("checkpoints")
            .select([
              sql<string | null>`transaction_id::text`.as("tx"),
              sql<string | null>`position::text`.as("pos")
            ])
            .where("name", "=", name)
        ).pipe(
          Effect.map((rows) => {
            const row = rows[0]
            return row?.tx == null || row.pos == null
              ? Option.none()
              : Option.some(Checkpoint.make(BigInt(row.tx), BigInt(row.pos)))
          }),
          Effect.mapError(eventsourcingUnavailable(database, "loadCheckpoint"))
        ),
      save: (name, checkpoint) =>
        run(
          CompiledQuery.raw(upsert.sql, [name, String(checkpoint.transaction), String(checkpoint.position)])
        ).pipe(Effect.asVoid, Effect.mapError(eventsourcingUnavailable(database, "saveCheckpoint"))),
      reset: (name) =>
        run(
          db
            .updateTable("checkpoints")
            .set({ transaction_id: null, position: null, updated_at: sql`now()` })
            .where("name", "=", name)
        ).pipe(Effect.asVoid, Effect.mapError(eventsourcingUnavailable(database, "resetCheckpoint"))),
      acquireLease: (name, owner, duration) => {
        const ms = Duration.toMillis(Duration.fromInputUnsafe(duration))
        const expires = sql<Date>`clock_timestamp() + ${ms} * interval '1 millisecond'`
        return run(
          db
            .insertInto("checkpoints")
            .values({ name, owner, lease_expires_at: expires })
            .onConflict((oc) =>
              oc
                .column("name")
                .doUpdateSet({ owner, lease_expires_at: expires })
                .where((eb) =>
                  eb.or([
                    eb("checkpoints.owner", "is", null),
                    eb("checkpoints.owner", "=", owner),
                    eb("checkpoints.lease_expires_at", "<", sql<Date>`clock_timestamp()`)
                  ])
                )
            )
            .returning("owner")
        ).pipe(
          Effect.map((rows) => rows.length === 1),
          Effect.mapError(eventsourcingUnavailable(database, "acquireLease"))
        )
      },
      // Read-model writes through the same SqlClient join this transaction: exactly once.
      atomic: true,
      atomically: (effect) =>
        transaction(database, effect, eventsourcingUnavailable(database, "checkpoint transaction")),
      releaseLease: (name, owner) =>
        run(
          db
            .updateTable("checkpoints")
            .set({ owner: null, lease_expires_at: null })
            .where("name", "=", name)
            .where("owner", "=", owner)
        ).pipe(Effect.asVoid, Effect.mapError(eventsourcingUnavailable(database, "releaseLease")))
    }
  }
)

export const layer: Layer.Layer<CheckpointStore.CheckpointStore, never, PgDatabase> = Layer.effect(
  CheckpointStore.CheckpointStore,
  make
)
