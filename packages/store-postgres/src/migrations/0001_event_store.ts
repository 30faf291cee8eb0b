/** The event store: streams, events (with the writing transaction's id), snapshots, checkpoints. */
import { type Kysely, sql } from "kysely"
import type { Database } from "../Schema.js"

export const name = "event_store"

export const up = (db: Kysely<Database>) => [
  db.schema
    .createTable("streams")
    .addColumn("stream_id", "text", (c) => c.primaryKey())
    .addColumn("version", "bigint", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`)),
  db.schema
    .createTable("events")
    .addColumn("position", "bigint", (c) => c.notNull().generatedAlwaysAsIdentity())
    // Readers order by (transaction_id, position) and only read transactions older than every
    // running one, so an event committed late (lower position, later commit) is never skipped.
    .addColumn("transaction_id", sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn("event_id", "uuid", (c) => c.notNull().unique())
    .addColumn("stream_id", "text", (c) => c.notNull())
    .addColumn("stream_version", "bigint", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("schema_version", "integer", (c) => c.notNull())
    .addColumn("data", "jsonb", (c) => c.notNull())
    .addColumn("metadata", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("events_pkey", ["stream_id", "stream_version"]),
  // Serves the global poll `(transaction_id, position) > $cursor ORDER BY transaction_id, position` without a sort.
  db.schema.createIndex("events_global_order").on("events").columns(["transaction_id", "position"]),
  db.schema
    .createTable("snapshots")
    .addColumn("stream_id", "text", (c) => c.primaryKey())
    .addColumn("stream_version", "bigint", (c) => c.notNull())
    .addColumn("state_version", "integer", (c) => c.notNull())
    .addColumn("state", "jsonb", (c) => c.notNull())
    .addColumn("taken_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`)),
  db.schema
    .createTable("checkpoints")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("transaction_id", sql`xid8`)
    .addColumn("position", "bigint")
    .addColumn("owner", "text")
    .addColumn("lease_expires_at", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
]
