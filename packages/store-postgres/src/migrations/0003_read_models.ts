/**
 * The read side of CQRS: read-model documents (jsonb, by collection and id) and the idempotency keys
 * of the command bus.
 */
import { type Kysely, sql } from "kysely"
import type { Database } from "../Schema.js"

export const name = "read_models"

export const up = (db: Kysely<Database>) => [
  db.schema
    .createTable("read_models")
    // A binary collation: ids sort by code point, as in every store, and the primary key serves that order.
    .addColumn("collection", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("id", sql`text collate "C"`, (c) => c.notNull())
    .addColumn("document", "jsonb", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("read_models_pkey", ["collection", "id"]),
  db.schema
    .createTable("idempotency_keys")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('pending', 'completed')`))
    .addColumn("outcome", "jsonb")
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addCheckConstraint("idempotency_keys_outcome", sql`(state = 'completed') = (outcome is not null)`)
]
