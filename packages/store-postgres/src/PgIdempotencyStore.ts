/**
 * Idempotency keys on PostgreSQL: a claim is one conditional upsert (the key is free, or its claim or
 * outcome expired), timed by the database clock so app instances need not agree on time.
 */
import { IdempotencyStore } from "@cello/cqrs"
import { Duration, Effect, Layer } from "effect"
import type { SqlError } from "effect/sql"
import { sql } from "kysely"
import { cqrsUnavailable } from "./internal/cqrsUnavailable.js"
import { PgDatabase } from "./PgDatabase.js"

const after = (duration: Duration.Input) =>
  sql<Date>`clock_timestamp() + ${Duration.toMillis(Duration.fromInputUnsafe(duration))} * interval '1 millisecond'`

const now = sql<Date>`clock_timestamp()`

export const make: Effect.Effect<IdempotencyStore.IdempotencyStoreShape, never, PgDatabase> = Effect.gen(
  function* () {
    const database = yield* PgDatabase
    const { db, run } = database

    const claim = (
      key: string,
      claimTtl: Duration.Input
    ): Effect.Effect<IdempotencyStore.Claim, SqlError.SqlError> =>
      Effect.gen(function* () {
        const expiresAt = after(claimTtl)
        const taken = yield* run(
          db
            .insertInto("idempotency_keys")
            .values({ key, state: "pending", outcome: null, expires_at: expiresAt })
            .onConflict((oc) =>
              oc
                .column("key")
                .doUpdateSet({ state: "pending", outcome: null, expires_at: expiresAt })
                .where("idempotency_keys.expires_at", "<=", now)
            )
            .returning("key")
        )
        if (taken.length === 1) return { _tag: "Claimed" }
        const rows = yield* run(
          db
            .selectFrom("idempotency_keys")
            .select(["state", sql<string | null>`outcome::text`.as("outcome")])
            .where("key", "=", key)
            .where("expires_at", ">", now)
        )
        const row = rows[0]
        // Released or expired since the upsert looked: try again.
        if (row === undefined) return yield* claim(key, claimTtl)
        return row.state === "completed" && row.outcome !== null
          ? { _tag: "Completed", outcome: JSON.parse(row.outcome) }
          : { _tag: "InProgress" }
      })

    return {
      claim: (key, claimTtl) =>
        claim(key, claimTtl).pipe(Effect.mapError(cqrsUnavailable(database, "claimKey"))),
      complete: (key, outcome, retention) =>
        Effect.suspend(() => {
          const row = {
            state: "completed" as const,
            outcome: JSON.stringify(outcome),
            expires_at: after(retention)
          }
          return run(
            db
              .insertInto("idempotency_keys")
              .values({ key, ...row })
              .onConflict((oc) => oc.column("key").doUpdateSet(row))
          )
        }).pipe(Effect.asVoid, Effect.mapError(cqrsUnavailable(database, "completeKey"))),
      release: (key) =>
        // Only a pending claim is given up: an outcome stays until its retention ends.
        run(db.deleteFrom("idempotency_keys").where("key", "=", key).where("state", "=", "pending")).pipe(
          Effect.asVoid,
          Effect.mapError(cqrsUnavailable(database, "releaseKey"))
        )
    }
  }
)

export const layer: Layer.Layer<IdempotencyStore.IdempotencyStore, never, PgDatabase> = Layer.effect(
  IdempotencyStore.IdempotencyStore,
  make
)
