/**
 * Validation every store runs before it writes: one definition of a well-formed append, so the
 * memory and SQL stores refuse the same inputs with the same typed error, and nothing is written.
 */
import { Effect } from "effect"
import { InvalidAppendError } from "./Errors.js"
import type { AppendResult, EventEnvelope, EventMetadata, NewEvent } from "./EventEnvelope.js"
import * as ExpectedVersion from "./ExpectedVersion.js"
import { isUuid, uuidv7 } from "./internal/uuid.js"

/** Longest stream id, in UTF-8 bytes: it must fit a b-tree index entry in PostgreSQL. */
export const maxStreamIdBytes = 1024
/** Longest event type, in UTF-8 bytes. */
export const maxTypeBytes = 256

/** An event ready to store: ids assigned, payload and metadata checked and serialized once. */
export interface PreparedEvent {
  readonly eventId: string
  readonly type: string
  readonly schemaVersion: number
  readonly dataJson: string
  readonly metadataJson: string
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why a string cannot be stored as text or inside JSON, if it cannot. */
const textProblem = (s: string): string | undefined =>
  s.includes("\u0000")
    ? "contains a NUL character"
    : loneSurrogate.test(s)
      ? "contains a lone surrogate"
      : undefined

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8")

/**
 * True when a stream id could have been stored: readers may answer "no such stream" for any other id
 * without asking the database (which would reject it as text).
 */
export const isStorableStreamId = (streamId: string): boolean =>
  streamId.length > 0 && textProblem(streamId) === undefined && byteLength(streamId) <= maxStreamIdBytes

class JsonProblem {
  constructor(readonly reason: string) {}
}

// JSON.stringify writes a NUL as \u0000, a lone surrogate as \udXXX and a non-finite number as
// null: text with none of these is what the checking serializer below would produce, without its
// call per value. Text with one (rare; a literal null too) is serialized again, value by value.
const maybeProblem = /\\u(?:0000|d[89a-f])|null/

const toJson = (value: unknown, what: string): string | JsonProblem => {
  try {
    const text = JSON.stringify(value)
    if (text !== undefined && !maybeProblem.test(text)) return text
  } catch {
    // The checking serializer meets the same failure and names it.
  }
  return toJsonChecked(value, what)
}

const toJsonChecked = (value: unknown, what: string): string | JsonProblem => {
  try {
    const text = JSON.stringify(value, (key, v: unknown) => {
      const problem = textProblem(key) ?? (typeof v === "string" ? textProblem(v) : undefined)
      if (problem !== undefined) throw new JsonProblem(`${what} has a string that ${problem}`)
      if (typeof v === "number" && !Number.isFinite(v))
        throw new JsonProblem(`${what} has a non-finite number`)
      return v
    })
    return text === undefined ? new JsonProblem(`${what} is not a JSON value`) : text
  } catch (e) {
    return e instanceof JsonProblem ? e : new JsonProblem(`${what} is not JSON-serializable (${String(e)})`)
  }
}

// Module-level, not a closure per append: a bundler keeping function names (tsx, esbuild's keepNames)
// names every closure it creates, on every call.
const refuse = (streamId: string, reason: string) =>
  Effect.fail(
    new InvalidAppendError({
      streamId: streamId.length > 200 ? `${streamId.slice(0, 200)}…` : streamId,
      reason
    })
  )

/** Checks a whole append up front and serializes it; fails with `InvalidAppendError` naming the problem. */
export const prepare = (
  streamId: string,
  events: ReadonlyArray<NewEvent>,
  options: { readonly expectedVersion?: unknown; readonly metadata?: EventMetadata | undefined } = {}
): Effect.Effect<ReadonlyArray<PreparedEvent>, InvalidAppendError> =>
  Effect.suspend(() => {
    if (typeof streamId !== "string" || streamId.length === 0)
      return refuse(streamId, "stream id must be a non-empty string")
    const idProblem = textProblem(streamId)
    if (idProblem !== undefined) return refuse(streamId, `stream id ${idProblem}`)
    if (byteLength(streamId) > maxStreamIdBytes)
      return refuse(streamId, `stream id is ${byteLength(streamId)} bytes; the limit is ${maxStreamIdBytes}`)
    if (options.expectedVersion !== undefined && !ExpectedVersion.isValid(options.expectedVersion))
      return refuse(
        streamId,
        `expected version ${JSON.stringify(options.expectedVersion)} is not "any", "no_stream", "stream_exists" or a non-negative integer`
      )
    const prepared: Array<PreparedEvent> = []
    // One event cannot repeat an id: the set is for batches only.
    const seen = events.length > 1 ? new Set<string>() : undefined
    let i = 0
    for (const event of events) {
      const at = `event #${++i}`
      if (typeof event.type !== "string" || event.type.length === 0)
        return refuse(streamId, `${at}: type must be a non-empty string`)
      const typeProblem = textProblem(event.type)
      if (typeProblem !== undefined) return refuse(streamId, `${at}: type ${typeProblem}`)
      if (byteLength(event.type) > maxTypeBytes)
        return refuse(streamId, `${at}: type is longer than ${maxTypeBytes} bytes`)
      const schemaVersion = event.schemaVersion ?? 1
      if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1)
        return refuse(streamId, `${at} (${event.type}): schema version must be a positive integer`)
      // An id made here is a well-formed, lower-case UUID already: only a caller's is checked.
      const given = event.eventId
      if (given !== undefined && !isUuid(given))
        return refuse(streamId, `${at} (${event.type}): event id "${given}" is not a UUID`)
      const eventId = given === undefined ? uuidv7() : given.toLowerCase()
      if (seen !== undefined) {
        if (seen.has(eventId))
          return refuse(streamId, `${at} (${event.type}): event id ${eventId} appears twice`)
        seen.add(eventId)
      }
      const dataJson = toJson(event.data, `${at} (${event.type}) data`)
      if (dataJson instanceof JsonProblem) return refuse(streamId, dataJson.reason)
      // No metadata at all (an append outside any message context) is the empty object.
      const metadataJson =
        options.metadata === undefined && event.metadata === undefined
          ? "{}"
          : toJson({ ...options.metadata, ...event.metadata }, `${at} (${event.type}) metadata`)
      if (metadataJson instanceof JsonProblem) return refuse(streamId, metadataJson.reason)
      prepared.push({
        eventId,
        type: event.type,
        schemaVersion,
        dataJson,
        metadataJson
      })
    }
    return Effect.succeed(prepared)
  })

/** The answer of a non-empty append, from the envelopes it wrote (or stored before, when re-sent). */
export const resultOf = (streamId: string, envelopes: ReadonlyArray<EventEnvelope>): AppendResult => {
  const last = envelopes.at(-1)
  return {
    streamId,
    nextExpectedVersion: last?.streamVersion ?? 0,
    events: envelopes,
    checkpoint: last?.checkpoint
  }
}
