/**
 * Checkpoints and projection leases on MySQL. A lease is taken with one conditional upsert (free,
 * expired, or already ours) and read back in the same transaction, timed by the database clock so
 * instances need not agree on time.
 */
import { Checkpoint, CheckpointStore } from "@cello/eventsourcing"
import { Duration, Effect, Layer, Option } from "effect"
import { sql } from "kysely"
import { transaction } from "./internal/transaction.js"
import { MysqlDatabase } from "./MysqlDatabase.js"

const now = sql<string>`UTC_TIMESTAMP(6)`

export const make: Effect.Effect<CheckpointStore.CheckpointStoreShape, never, MysqlDatabase> = Effect.gen(
  function* () {
    const database = yield* MysqlDatabase
    const { db, run, execute } = database
    return {
      load: (name) =>
        run(
          db.selectFrom("checkpoints").select(["transaction_id", "position"]).where("name", "=", name)
        ).pipe(
          Effect.map((rows) => {
            const row = rows[0]
            return row?.transaction_id == null || row.position == null
              ? Option.none()
              : Option.some(Checkpoint.make(BigInt(row.transaction_id), BigInt(row.position)))
          }),
          Effect.mapError(database.unavailable("loadCheckpoint"))
        ),
      save: (name, checkpoint) =>
        execute(
          db
            .insertInto("checkpoints")
            .values({
              name,
              transaction_id: checkpoint.transaction.toString(),
              position: checkpoint.position.toString(),
              updated_at: now
            })
            .onDuplicateKeyUpdate({
              transaction_id: sql`VALUES(transaction_id)`,
              position: sql`VALUES(position)`,
              updated_at: now
            })
        ).pipe(Effect.asVoid, Effect.mapError(database.unavailable("saveCheckpoint"))),
      reset: (name) =>
        execute(
          db
            .updateTable("checkpoints")
            .set({ transaction_id: null, position: null, updated_at: now })
            .where("name", "=", name)
        ).pipe(Effect.asVoid, Effect.mapError(database.unavailable("resetCheckpoint"))),
      acquireLease: (name, owner, duration) => {
        const micros = Math.max(0, Math.round(Duration.toMillis(Duration.fromInputUnsafe(duration)) * 1000))
        const expires = sql<string>`UTC_TIMESTAMP(6) + INTERVAL ${micros} MICROSECOND`
        // The owner is assigned first and the expiry compares with the new owner (assignments run
        // left to right): the lease moves only when the owner did.
        const take = execute(
          db
            .insertInto("checkpoints")
            .values({ name, owner, lease_expires_at: expires, updated_at: now })
            .onDuplicateKeyUpdate({
              owner: sql`IF(owner IS NULL OR owner = VALUES(owner) OR lease_expires_at IS NULL OR lease_expires_at < UTC_TIMESTAMP(6), VALUES(owner), owner)`,
              lease_expires_at: sql`IF(owner = VALUES(owner), VALUES(lease_expires_at), lease_expires_at)`
            })
        )
        const holder = run(db.selectFrom("checkpoints").select("owner").where("name", "=", name).forUpdate())
        return transaction(database, Effect.andThen(take, holder), database.unavailable("acquireLease")).pipe(
          Effect.map((rows) => rows[0]?.owner === owner)
        )
      },
      // Read-model writes through the same MysqlDatabase join this transaction: exactly once.
      atomic: true,
      atomically: (effect) => transaction(database, effect, database.unavailable("checkpoint transaction")),
      releaseLease: (name, owner) =>
        execute(
          db
            .updateTable("checkpoints")
            .set({ owner: null, lease_expires_at: null })
            .where("name", "=", name)
            .where("owner", "=", owner)
        ).pipe(Effect.asVoid, Effect.mapError(database.unavailable("releaseLease")))
    }
  }
)

export const layer: Layer.Layer<CheckpointStore.CheckpointStore, never, MysqlDatabase> = Layer.effect(
  CheckpointStore.CheckpointStore,
  make
)
