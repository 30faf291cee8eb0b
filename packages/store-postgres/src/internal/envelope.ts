/** The columns every event read selects, and their conversion into an `EventEnvelope`. */
import { Checkpoint, type EventEnvelope, type EventMetadata } from "@cello/eventsourcing"
import { DateTime } from "effect"
import { sql } from "kysely"

// Numbers travel as text: positions and transaction ids are 64-bit.
export const envelopeColumns = [
  sql<string>`position::text`.as("position"),
  sql<string>`transaction_id::text`.as("transaction_id"),
  sql<string>`event_id::text`.as("event_id"),
  "stream_id",
  sql<string>`stream_version::text`.as("stream_version"),
  "type",
  "schema_version",
  sql<string>`data::text`.as("data"),
  sql<string>`metadata::text`.as("metadata"),
  sql<number>`(extract(epoch from created_at) * 1000)::float8`.as("created_ms")
] as const

export interface EnvelopeRow {
  readonly position: string
  readonly transaction_id: string
  readonly event_id: string
  readonly stream_id: string
  readonly stream_version: string
  readonly type: string
  readonly schema_version: number
  readonly data: string
  readonly metadata: string
  readonly created_ms: number
}

// The metadata column only ever holds JSON written from an `EventMetadata` value.
const parseMetadata = (json: string): EventMetadata => JSON.parse(json)

export const toEnvelope = (row: EnvelopeRow): EventEnvelope => ({
  eventId: row.event_id,
  streamId: row.stream_id,
  type: row.type,
  schemaVersion: Number(row.schema_version),
  streamVersion: Number(row.stream_version),
  position: Number(row.position),
  checkpoint: Checkpoint.make(BigInt(row.transaction_id), BigInt(row.position)),
  timestamp: DateTime.makeUnsafe(Number(row.created_ms)),
  data: JSON.parse(row.data),
  metadata: parseMetadata(row.metadata)
})
