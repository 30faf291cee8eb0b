import { Schema } from "effect"

/**
 * The stream's version was not the one the writer expected, or a concurrent transaction got in the
 * way (`reason` says how): nothing was appended. Retrying from a fresh load is safe.
 */
export class ConcurrencyError extends Schema.TaggedError<ConcurrencyError>()("ConcurrencyError", {
  streamId: Schema.String,
  expected: Schema.Union([Schema.Literals(["any", "no_stream", "stream_exists"]), Schema.Int]),
  actual: Schema.Int,
  /** Set when the conflict is not a version mismatch (for example a transaction-order conflict). */
  reason: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const base = `stream "${this.streamId}": expected version ${this.expected}, actual ${this.actual}`
    return this.reason === undefined ? base : `${base}: ${this.reason}`
  }
}

/** A stream that was asked for by id has no event. */
export class StreamNotFound extends Schema.TaggedError<StreamNotFound>()("StreamNotFound", {
  streamId: Schema.String
}) {
  override get message(): string {
    return `stream "${this.streamId}" not found`
  }
}

/** A stored event could not be turned into a current event: unknown type, missing upcaster, bad payload. */
export class EventDecodeError extends Schema.TaggedError<EventDecodeError>()("EventDecodeError", {
  streamId: Schema.String,
  version: Schema.Int,
  type: Schema.String,
  schemaVersion: Schema.Int,
  cause: Schema.String
}) {
  override get message(): string {
    return `cannot decode event "${this.type}" (schema v${this.schemaVersion}) at version ${this.version} of stream "${this.streamId}": ${this.cause}`
  }
}

/** The store could not be reached or failed; names the store and where it lives, never a password. */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  store: Schema.String,
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.store} unavailable during ${this.operation}: ${this.detail}`
  }
}

/** An append was refused before anything was written: bad stream id, type or payload. */
export class InvalidAppendError extends Schema.TaggedError<InvalidAppendError>()("InvalidAppendError", {
  streamId: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid append to stream "${this.streamId}": ${this.reason}`
  }
}

/** A projection handler failed; the projection stopped and its checkpoint still points before this event. */
export class ProjectionError extends Schema.TaggedError<ProjectionError>()("ProjectionError", {
  projection: Schema.String,
  streamId: Schema.String,
  version: Schema.Int,
  type: Schema.String,
  cause: Schema.String
}) {
  override get message(): string {
    return `projection "${this.projection}" failed on "${this.type}" at version ${this.version} of stream "${this.streamId}": ${this.cause}`
  }
}

/** Rebuilding from the log was asked for while `enableReplay` is off. */
export class ReplayDisabled extends Schema.TaggedError<ReplayDisabled>()("ReplayDisabled", {
  projection: Schema.String
}) {
  override get message(): string {
    return `replay is disabled (enableReplay: false); cannot rebuild projection "${this.projection}"`
  }
}
