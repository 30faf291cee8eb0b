/** Sagas: one row per saga (status, context, version, lease) and the append-only step log. */
import { type Kysely, sql } from "kysely"
import type { Database } from "../Schema.js"

export const name = "sagas"

export const up = (db: Kysely<Database>) => [
  db.schema
    .createTable("sagas")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("context", "jsonb", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("owner", "text")
    .addColumn("lease_expires_at", "timestamptz")
    .addColumn("failed_step", "text")
    .addColumn("error", "text")
    .addColumn("compensation_failed_step", "text")
    .addColumn("compensation_error", "text")
    .addColumn("recovery_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`)),
  // Few indexes, as every step writes the row: recovery scans only the sagas in flight (a partial
  // index that a finished saga leaves), listings walk creation time backwards.
  db.schema
    .createIndex("sagas_in_flight")
    .on("sagas")
    .column("created_at")
    .where(sql.ref("status"), "in", sql`('running', 'compensating')`),
  db.schema.createIndex("sagas_by_created_at").on("sagas").column("created_at"),
  db.schema
    .createTable("saga_log")
    // Ordered within a saga by the index below; no primary key to maintain besides it.
    .addColumn("sequence", "bigint", (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn("saga_id", "text", (c) => c.notNull())
    .addColumn("step_index", "integer", (c) => c.notNull())
    .addColumn("step", "text", (c) => c.notNull())
    .addColumn("phase", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`)),
  db.schema.createIndex("saga_log_by_saga").on("saga_log").columns(["saga_id", "sequence"])
]
