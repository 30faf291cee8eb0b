/**
 * Idempotency keys on MySQL: a claim reads the key's row with `FOR UPDATE` and takes it when it is
 * free (no row, or an expired claim or outcome), in one transaction, timed by the database clock; of
 * concurrent claimers of a new key, the INSERT of all but one fails on the primary key and they look
 * again.
 */
import { IdempotencyStore } from "@cello/cqrs"
import { Duration, Effect, Layer } from "effect"
import { sql } from "kysely"
import { cqrsUnavailable } from "./internal/cqrsUnavailable.js"
import { MysqlDatabase } from "./MysqlDatabase.js"
import * as MysqlError from "./MysqlError.js"

const after = (duration: Duration.Input) =>
  sql<string>`UTC_TIMESTAMP(6) + INTERVAL ${Math.round(Duration.toMillis(Duration.fromInputUnsafe(duration)) * 1000)} MICROSECOND`

export const make: Effect.Effect<IdempotencyStore.IdempotencyStoreShape, never, MysqlDatabase> = Effect.gen(
  function* () {
    const database = yield* MysqlDatabase
    const { db, run, execute } = database

    const attempt = (key: string, claimTtl: Duration.Input) =>
      database.withTransaction(
        Effect.gen(function* () {
          const [row] = yield* run(
            db
              .selectFrom("idempotency_keys")
              .select(["state", "outcome", sql<number>`expires_at > UTC_TIMESTAMP(6)`.as("live")])
              .where("key", "=", key)
              .forUpdate()
          )
          const claim = { state: "pending" as const, outcome: null, expires_at: after(claimTtl) }
          if (row === undefined) {
            yield* execute(db.insertInto("idempotency_keys").values({ key, ...claim }))
            return { _tag: "Claimed" } as const
          }
          if (Number(row.live) !== 1) {
            yield* execute(db.updateTable("idempotency_keys").set(claim).where("key", "=", key))
            return { _tag: "Claimed" } as const
          }
          return row.state === "completed" && row.outcome !== null
            ? ({ _tag: "Completed", outcome: JSON.parse(row.outcome) } as const)
            : ({ _tag: "InProgress" } as const)
        })
      )

    // A concurrent claimer inserted the key first: look again (it is there now).
    const claim = (
      key: string,
      claimTtl: Duration.Input
    ): Effect.Effect<IdempotencyStore.Claim, MysqlError.MysqlError> =>
      attempt(key, claimTtl).pipe(Effect.catchIf(MysqlError.isDuplicateKey, () => claim(key, claimTtl)))

    return {
      claim: (key, claimTtl) =>
        claim(key, claimTtl).pipe(Effect.mapError(cqrsUnavailable(database, "claimKey"))),
      complete: (key, outcome, retention) =>
        Effect.suspend(() =>
          execute(
            db
              .insertInto("idempotency_keys")
              .values({
                key,
                state: "completed",
                outcome: JSON.stringify(outcome),
                expires_at: after(retention)
              })
              .onDuplicateKeyUpdate({
                state: sql`VALUES(state)`,
                outcome: sql`VALUES(outcome)`,
                expires_at: sql`VALUES(expires_at)`
              })
          )
        ).pipe(Effect.asVoid, Effect.mapError(cqrsUnavailable(database, "completeKey"))),
      release: (key) =>
        // Only a pending claim is given up: an outcome stays until its retention ends.
        execute(db.deleteFrom("idempotency_keys").where("key", "=", key).where("state", "=", "pending")).pipe(
          Effect.asVoid,
          Effect.mapError(cqrsUnavailable(database, "releaseKey"))
        )
    }
  }
)

export const layer: Layer.Layer<IdempotencyStore.IdempotencyStore, never, MysqlDatabase> = Layer.effect(
  IdempotencyStore.IdempotencyStore,
  make
)
