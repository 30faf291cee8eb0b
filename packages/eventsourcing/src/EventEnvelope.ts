import type { DateTime } from "effect"
import type { Checkpoint } from "./Checkpoint.js"
import type { JsonObject } from "./Json.js"

/**
 * Metadata stored with every event. `correlationId` ties together everything one request caused,
 * `causationId` names the message (command or event) that caused this event, `traceparent` (only when
 * a tracer recorded the append) is the W3C trace context of the append's span; other keys are the user's.
 */
export interface EventMetadata {
  readonly correlationId?: string
  readonly causationId?: string
  readonly traceparent?: string
  readonly [key: string]: JsonObject[string] | undefined
}

/** An event to append: its type, schema version and JSON payload. */
export interface NewEvent {
  readonly type: string
  readonly data: unknown
  /** The payload's schema version (default 1); upcasters turn older versions into the current one. */
  readonly schemaVersion?: number
  /** A UUID; generated (v7) when absent. */
  readonly eventId?: string
  readonly metadata?: EventMetadata
}

/**
 * A stored event as an aggregate load folds it: what upcasting and decoding read (its stream is known
 * to the reader), without the rest of the envelope. Every `EventEnvelope` is one.
 */
export interface EventPayload<Data = unknown> {
  readonly type: string
  readonly schemaVersion: number
  /** 1 for the stream's first event. */
  readonly streamVersion: number
  readonly data: Data
}

/** A stored event, as every reader sees it. */
export interface EventEnvelope<Data = unknown> extends EventPayload<Data> {
  readonly eventId: string
  readonly streamId: string
  /** The global position, for people; readers resume from `checkpoint`. */
  readonly position: number
  readonly checkpoint: Checkpoint
  readonly timestamp: DateTime.Utc
  readonly metadata: EventMetadata
}

/** What an append returns. */
export interface AppendResult {
  readonly streamId: string
  /** The stream's version after the append: use it as the next expected version. */
  readonly nextExpectedVersion: number
  readonly events: ReadonlyArray<EventEnvelope>
  /** The checkpoint of the last appended event (unchanged from before when nothing was appended). */
  readonly checkpoint: Checkpoint | undefined
}
