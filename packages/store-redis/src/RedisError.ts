import { Schema } from "effect"

/**
 * A Redis command failed or Redis could not be reached. Names the server (`host:port`), never a
 * password. The ports turn it into their own `StoreUnavailable`.
 */
export class RedisError extends Schema.TaggedError<RedisError>()("RedisError", {
  target: Schema.String,
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `redis at ${this.target} failed during ${this.operation}: ${this.detail}`
  }
}
