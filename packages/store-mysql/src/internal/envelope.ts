/** The columns every event read selects, and their conversion into an `EventEnvelope`. */
import { Checkpoint, type EventEnvelope, type EventMetadata } from "@cello/eventsourcing"
import { DateTime } from "effect"

/**
 * A stream's reads know its id, so they leave it out (one Buffer less to make and decode per event);
 * reads of the global log add it last. Reads take rows as arrays of these values (`runValues`).
 */
export const streamEnvelopeColumns = [
  "position",
  "event_id",
  "stream_version",
  "type",
  "schema_version",
  "data",
  "metadata",
  "created_at"
] as const

export const envelopeColumns = [...streamEnvelopeColumns, "stream_id"] as const

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

/** `count` decimal digits of `text` from `from` as a number; NaN if one is not a digit. */
const digits = (text: string, from: number, count: number): number => {
  let value = 0
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48
    if (digit < 0 || digit > 9) return Number.NaN
    value = value * 10 + digit
  }
  return value
}

/**
 * DATETIME text in UTC (`2026-12-01 15:31:25.123456`) as epoch milliseconds (microseconds cut, as
 * `Date.parse` does). Read from the digits, without the two strings `Date.parse` would need: this
 * runs for every event read.
 */
export const utcMillis = (text: string): number => {
  const year = digits(text, 0, 4)
  const fraction =
    text.length === 19
      ? 0
      : text.length >= 23 && text.charCodeAt(19) === 46
        ? digits(text, 20, 3)
        : Number.NaN
  const millis =
    year >= 100 && fraction >= 0
      ? Date.UTC(
          year,
          digits(text, 5, 2) - 1,
          digits(text, 8, 2),
          digits(text, 11, 2),
          digits(text, 14, 2),
          digits(text, 17, 2),
          fraction
        )
      : Number.NaN
  // Anything of another shape (no server sends one) goes to the general parser.
  return Number.isNaN(millis) ? Date.parse(`${text.replace(" ", "T")}Z`) : millis
}

export const streamIdText = (value: unknown): string =>
  Buffer.isBuffer(value) ? value.toString("utf8") : String(value)

// The text was written from an `EventMetadata` value, so it parses back to one.
const parseMetadata = (json: string): EventMetadata => JSON.parse(json)

/** An envelope from a row's values in `streamEnvelopeColumns` order. */
const envelope = (
  values: ReadonlyArray<unknown>,
  streamId: string,
  timestamp: DateTime.Utc
): EventEnvelope => {
  const position = String(values[0])
  return {
    eventId: String(values[1]),
    streamId,
    type: String(values[3]),
    schemaVersion: Number(values[4]),
    streamVersion: Number(values[2]),
    position: Number(position),
    checkpoint: checkpointAt(position),
    timestamp,
    data: JSON.parse(String(values[5])),
    metadata: parseMetadata(String(values[6]))
  }
}

/** One event row read by name (the appends' own answers). */
export const toEnvelope = (row: EnvelopeRow): EventEnvelope =>
  envelope(
    streamEnvelopeColumns.map((column) => row[column]),
    streamIdText(row.stream_id),
    DateTime.makeUnsafe(utcMillis(row.created_at))
  )

/**
 * Rows as envelopes, in one loop. The events of one append share their `created_at`, so consecutive
 * rows with the same text share one (immutable) `DateTime`: a catch-up reads many events per append,
 * and this is its most frequent allocation after the payloads.
 */
const envelopes = (
  rows: ReadonlyArray<ReadonlyArray<unknown>>,
  streamIdOf: (values: ReadonlyArray<unknown>) => string
): Array<EventEnvelope> => {
  const result: Array<EventEnvelope> = []
  let text = ""
  let timestamp = DateTime.makeUnsafe(0)
  for (const values of rows) {
    const createdAt = String(values[7])
    if (createdAt !== text) {
      text = createdAt
      timestamp = DateTime.makeUnsafe(utcMillis(text))
    }
    result.push(envelope(values, streamIdOf(values), timestamp))
  }
  return result
}

const lastStreamId = (values: ReadonlyArray<unknown>): string => streamIdText(values[8])

/** Rows of the global log (`envelopeColumns`, as values) as envelopes. */
export const toEnvelopes = (rows: ReadonlyArray<ReadonlyArray<unknown>>): Array<EventEnvelope> =>
  envelopes(rows, lastStreamId)

/** Rows of the stream `streamId` (`streamEnvelopeColumns`, as values) as envelopes. */
export const toStreamEnvelopes = (
  streamId: string,
  rows: ReadonlyArray<ReadonlyArray<unknown>>
): Array<EventEnvelope> => envelopes(rows, () => streamId)
