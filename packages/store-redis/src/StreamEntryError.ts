import { Schema } from "effect"

/**
 * An entry of a Redis Stream that is not an event envelope the relay wrote. It names the entry, and the
 * consumer stops on it rather than skip it silently.
 */
export class StreamEntryError extends Schema.TaggedError<StreamEntryError>()("StreamEntryError", {
  stream: Schema.String,
  entryId: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `entry ${this.entryId} of Redis stream "${this.stream}" is not a Cello event envelope: ${this.detail}`
  }
}
