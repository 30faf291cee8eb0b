/**
 * An event envelope as the fields of a Redis Stream entry, and back. Every field is text: numbers in
 * decimal, the checkpoint as `Checkpoint.encode`, the timestamp in ISO 8601, data and metadata as JSON.
 */
import { Checkpoint, type EventEnvelope } from "@cello/eventsourcing"
import { DateTime, Effect, Option, Schema } from "effect"
import { StreamEntryError } from "../StreamEntryError.js"
import { pairs } from "./reply.js"

export const encode = (envelope: EventEnvelope): ReadonlyArray<string> => [
  "eventId",
  envelope.eventId,
  "streamId",
  envelope.streamId,
  "type",
  envelope.type,
  "schemaVersion",
  String(envelope.schemaVersion),
  "streamVersion",
  String(envelope.streamVersion),
  "position",
  String(envelope.position),
  "checkpoint",
  Checkpoint.encode(envelope.checkpoint),
  "timestamp",
  DateTime.formatIso(envelope.timestamp),
  "data",
  JSON.stringify(envelope.data),
  "metadata",
  JSON.stringify(envelope.metadata)
]

const Fields = Schema.Struct({
  eventId: Schema.String,
  streamId: Schema.String,
  type: Schema.String,
  schemaVersion: Schema.NumberFromString,
  streamVersion: Schema.NumberFromString,
  position: Schema.NumberFromString,
  checkpoint: Schema.String,
  timestamp: Schema.DateTimeUtcFromString,
  data: Schema.fromJsonString(Schema.Unknown),
  metadata: Schema.fromJsonString(
    Schema.StructWithRest(
      Schema.Struct({
        correlationId: Schema.optionalKey(Schema.String),
        causationId: Schema.optionalKey(Schema.String)
      }),
      [Schema.Record(Schema.String, Schema.Json)]
    )
  )
})

export const decode = (
  stream: string,
  entryId: string,
  fields: ReadonlyArray<string>
): Effect.Effect<EventEnvelope, StreamEntryError> => {
  const refuse = (detail: string) => new StreamEntryError({ stream, entryId, detail })
  return Schema.decodeUnknownEffect(Fields)(Object.fromEntries(pairs(fields))).pipe(
    Effect.mapError((error) => refuse(error.message)),
    Effect.flatMap((f) =>
      Option.match(Checkpoint.decode(f.checkpoint), {
        onNone: () => Effect.fail(refuse(`bad checkpoint "${f.checkpoint}"`)),
        onSome: (checkpoint) => Effect.succeed({ ...f, checkpoint })
      })
    )
  )
}
