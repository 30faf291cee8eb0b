/**
 * The W3C trace context of the span that started a saga, so recovery links its span to that trace.
 * Nullable: sagas started without a recording tracer, or before this migration, have none.
 */
import type { Kysely } from "kysely"
import type { Database } from "../Schema.js"

export const name = "saga_traceparent"

export const up = (db: Kysely<Database>) => [db.schema.alterTable("sagas").addColumn("traceparent", "text")]
