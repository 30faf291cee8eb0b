/**
 * The adapter's own request errors (the buses and stores bring theirs). Each becomes a problem
 * response; see `ErrorMapping`.
 */
import { Schema } from "effect"

/** The body is not JSON. */
export class MalformedJson extends Schema.TaggedError<MalformedJson>()("MalformedJson", {
  detail: Schema.String
}) {
  override get message(): string {
    return `the request body is not valid JSON: ${this.detail}`
  }
}

/** The body is larger than the configured limit; it was not read to the end. */
export class BodyTooLarge extends Schema.TaggedError<BodyTooLarge>()("BodyTooLarge", {
  limit: Schema.Int
}) {
  override get message(): string {
    return `the request body is larger than ${this.limit} bytes`
  }
}

/** An `If-Match` header that names no version this server hands out (`"<version>"` or `*`). */
export class PreconditionFailed extends Schema.TaggedError<PreconditionFailed>()("PreconditionFailed", {
  ifMatch: Schema.String
}) {
  override get message(): string {
    return `If-Match ${JSON.stringify(this.ifMatch)} does not match the current version`
  }
}

/** No route for this method and path. */
export class RouteNotFound extends Schema.TaggedError<RouteNotFound>()("RouteNotFound", {
  method: Schema.String,
  path: Schema.String
}) {
  override get message(): string {
    return `no route for ${this.method} ${this.path}`
  }
}
