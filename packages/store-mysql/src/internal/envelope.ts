/** The columns every event read selects, and their conversion into an `EventEnvelope`. */
import { Checkpoint, type EventEnvelope, type EventMetadata } from "@cello/eventsourcing"
import { DateTime } from "effect"

export const envelopeColumns = [
  "position",
  "event_id",
  "stream_id",
  "stream_version",
  "type",
  "schema_version",
  "data",
  "metadata",
  "created_at"
] as const

/** An event row as `mysql2` returns it here (BIGINT as text, VARBINARY as bytes, DATETIME as UTC text). */
export interface EnvelopeRow {
  readonly position: string | number
  readonly event_id: string
  readonly stream_id: Buffer | string
  readonly stream_version: string | number
  readonly type: string
  readonly schema_version: number
  readonly data: string
  readonly metadata: string
  readonly created_at: string
}

/**
 * The global order is the position alone (assigned in commit order, see appendToStream.ts), so a
 * checkpoint's transaction part is always 0.
 */
export const checkpointAt = (position: string | number | bigint): Checkpoint.Checkpoint =>
  Checkpoint.make(0n, BigInt(position))

/** DATETIME text in UTC (`2026-12-01 15:31:25.123456`) as epoch milliseconds. */
export const utcMillis = (text: string): number => Date.parse(`${text.replace(" ", "T")}Z`)

export const streamIdText = (value: Buffer | string): string =>
  typeof value === "string" ? value : value.toString("utf8")

// The text was written from an `EventMetadata` value, so it parses back to one.
const parseMetadata = (json: string): EventMetadata => JSON.parse(json)

export const toEnvelope = (row: EnvelopeRow): EventEnvelope => ({
  eventId: row.event_id,
  streamId: streamIdText(row.stream_id),
  type: row.type,
  schemaVersion: Number(row.schema_version),
  streamVersion: Number(row.stream_version),
  position: Number(row.position),
  checkpoint: checkpointAt(row.position),
  timestamp: DateTime.makeUnsafe(utcMillis(row.created_at)),
  data: JSON.parse(row.data),
  metadata: parseMetadata(row.metadata)
})
