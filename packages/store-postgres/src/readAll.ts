/**
 * The global log after a checkpoint, in (transaction id, position) order, reading only transactions
 * older than every transaction that may still append to this store. A plain `position > last` poll would skip an event
 * whose transaction took its position early but committed late; this never does.
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
import { envelopeColumns, toEnvelopes } from "./internal/envelope.js"
import { eventsourcingUnavailable } from "./internal/eventsourcingUnavailable.js"
import type { PgDatabaseShape } from "./PgDatabase.js"

/**
 * Below the oldest transaction that may still commit events into this store (migration 0005). Rows
 * below the server's oldest running transaction are below it too; the horizon itself (a look at
 * `pg_locks` and `pg_stat_activity`) is only computed, once per statement, when a row above that
 * one is a candidate — so catching up on older events, or an idle poll at the head, never pays it.
 * The server's oldest transaction is a sub-select too: written inline, `pg_current_snapshot()` is
 * evaluated (and the snapshot copied) for every row scanned, a quarter to a third of a page's server time.
 */
export const visibleIn = (database: PgDatabaseShape) =>
  sql<boolean>`(transaction_id < (SELECT pg_snapshot_xmin(pg_current_snapshot())) OR transaction_id < (SELECT ${sql.id(database.config.schema, "read_horizon")}()))`

/**
 * Reads pages of the log after a checkpoint. The query is built and compiled once: a catch-up reads
 * a page after page, and building it with kysely took about 5% of a page's Node time. Its parameters: the
 * checkpoint's transaction (xid8) and position, then the limit.
 */
export const readAllAfter = (
  database: PgDatabaseShape
): ((
  from: Checkpoint.Checkpoint,
  limit: number
) => Effect.Effect<ReadonlyArray<EventEnvelope>, StoreUnavailable>) => {
  const query = database.db
    .selectFrom("events")
    .select(envelopeColumns)
    .where(sql<boolean>`(transaction_id, position) > (${"0"}::xid8, ${"0"}::bigint)`)
    .where(visibleIn(database))
    .orderBy("events.transaction_id")
    .orderBy("events.position")
    .limit(0)
    .compile()
  const page = (from: Checkpoint.Checkpoint, limit: number): typeof query => ({
    ...query,
    parameters: [String(from.transaction), String(from.position), Math.max(0, limit)]
  })
  return (from, limit) =>
    database
      .run(page(from, limit))
      .pipe(Effect.map(toEnvelopes), Effect.mapError(eventsourcingUnavailable(database, "readAll")))
}

export const readAll = (database: PgDatabaseShape): EventStore.EventStoreShape["readAll"] => {
  const after = readAllAfter(database)
  return (options = {}) => after(options.from ?? Checkpoint.start, options.limit ?? 10_000)
}

/** The newest visible event's checkpoint. */
export const head = (database: PgDatabaseShape): Effect.Effect<Checkpoint.Checkpoint, StoreUnavailable> =>
  database
    .run(
      database.db
        .selectFrom("events")
        .select([sql<string>`transaction_id::text`.as("tx"), sql<string>`position::text`.as("pos")])
        .where(visibleIn(database))
        .orderBy("events.transaction_id", "desc")
        .orderBy("events.position", "desc")
        .limit(1)
    )
    .pipe(
      Effect.map((rows) => {
        const row = rows[0]
        return row === undefined ? Checkpoint.start : Checkpoint.make(BigInt(row.tx), BigInt(row.pos))
      }),
      Effect.mapError(eventsourcingUnavailable(database, "head"))
    )

export const streamVersion =
  (database: PgDatabaseShape): EventStore.EventStoreShape["streamVersion"] =>
  (streamId) =>
    Append.isStorableStreamId(streamId)
      ? database
          .run(
            database.db
              .selectFrom("events")
              .select(sql<string>`coalesce(max(stream_version), 0)::text`.as("version"))
              .where("stream_id", "=", streamId)
          )
          .pipe(
            Effect.map((rows) => Number(rows[0]?.version ?? 0)),
            Effect.mapError(eventsourcingUnavailable(database, "streamVersion"))
          )
      : Effect.succeed(0)
