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

const envelopeWith = (
  streamId: string,
  row: Omit<EnvelopeRow, "stream_id">,
  transaction: bigint,
  timestamp: DateTime.Utc
): EventEnvelope => ({
  eventId: row.event_id,
  streamId,
  type: row.type,
  schemaVersion: row.schema_version,
  streamVersion: Number(row.stream_version),
  position: Number(row.position),
  checkpoint: Checkpoint.make(transaction, row.position),
  timestamp,
  data: row.data,
  metadata: row.metadata
})

/**
 * The envelopes of the rows of one read, in order, of a stream the reader may know (so its rows need
 * not carry its id). The events of one transaction share its id and
 * its `created_at` (the transaction's start), so consecutive rows of one transaction share one
 * parsed id and one `DateTime` (both immutable) instead of parsing and allocating them per event.
 */
export const pageReader = (): ((streamId: string, row: Omit<EnvelopeRow, "stream_id">) => EventEnvelope) => {
  let transactionText: string | undefined
  let transaction = 0n
  let millis = Number.NaN
  let timestamp: DateTime.Utc | undefined
  return (streamId, row) => {
    if (row.transaction_id !== transactionText) {
      transaction = BigInt(row.transaction_id)
      transactionText = row.transaction_id
    }
    const at = row.created_at.getTime()
    if (timestamp === undefined || at !== millis) {
      timestamp = DateTime.makeUnsafe(row.created_at)
      millis = at
    }
    return envelopeWith(streamId, row, transaction, timestamp)
  }
}

/** The envelopes of the rows of one read (see `pageReader`). */
export const toEnvelopes = (rows: ReadonlyArray<EnvelopeRow>): Array<EventEnvelope> => {
  const read = pageReader()
  return rows.map((row) => read(row.stream_id, row))
}
