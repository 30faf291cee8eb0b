/** The columns every event read selects, and their conversion into an `EventEnvelope`. */
import { Checkpoint, type EventEnvelope, type EventMetadata } from "@cello/eventsourcing"
import { DateTime } from "effect"
import { sql } from "kysely"

// The driver returns bigint for int8, parsed values for jsonb and Date for timestamptz; only xid8,
// which it cannot decode, travels as text.
export const envelopeColumns = [
  "position",
  sql<string>`transaction_id::text`.as("transaction_id"),
  "event_id",
  "stream_id",
  "stream_version",
  "type",
  "schema_version",
  "data",
  "metadata",
  "created_at"
] as const

/** An event row as read; `metadata` only ever holds JSON written from an `EventMetadata` value. */
export interface EnvelopeRow {
  readonly position: bigint
  readonly transaction_id: string
  readonly event_id: string
  readonly stream_id: string
  readonly stream_version: bigint
  readonly type: string
  readonly schema_version: number
  readonly data: unknown
  readonly metadata: EventMetadata
  readonly created_at: Date
}

export const toEnvelope = (row: EnvelopeRow): EventEnvelope => envelopeIn(row.stream_id, row)

/** An envelope of a stream whose id the reader knows, so its rows need not carry it. */
export const envelopeIn = (streamId: string, row: Omit<EnvelopeRow, "stream_id">): EventEnvelope => ({
  eventId: row.event_id,
  streamId,
  type: row.type,
  schemaVersion: row.schema_version,
  streamVersion: Number(row.stream_version),
  position: Number(row.position),
  checkpoint: Checkpoint.make(BigInt(row.transaction_id), row.position),
  timestamp: DateTime.makeUnsafe(row.created_at),
  data: row.data,
  metadata: row.metadata
})
