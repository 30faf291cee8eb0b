/**
 * A saga's correlation id: the request (or command) that started it, so an operator goes from a
 * request to its saga and to the events its steps appended. Nullable: sagas started before this
 * migration have none.
 */
import type { Kysely } from "kysely"
import type { Database } from "../Schema.js"

export const name = "saga_correlation"

export const up = (db: Kysely<Database>) => [
  db.schema.alterTable("sagas").addColumn("correlation_id", "text")
]
