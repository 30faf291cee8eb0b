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

/** A body sent as anything but JSON (`application/json` or `application/…+json`), or without a type. */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", {
  /** The `Content-Type` sent ("" when none was). */
  contentType: Schema.String
}) {
  override get message(): string {
    return this.contentType === ""
      ? "the request body has no Content-Type; send application/json"
      : `the request body is ${this.contentType}; send application/json`
  }
}

/** A write from a web page of another origin that the CORS allow-list does not name. */
export class CrossOriginRefused extends Schema.TaggedError<CrossOriginRefused>()("CrossOriginRefused", {
  origin: Schema.String
}) {
  override get message(): string {
    return `requests from ${this.origin} are not allowed`
  }
}

/** An `If-Match` header that is not `*` or a list of entity tags (RFC 9110 §13.1.1). */
export class MalformedIfMatch extends Schema.TaggedError<MalformedIfMatch>()("MalformedIfMatch", {
  ifMatch: Schema.String
}) {
  override get message(): string {
    return `If-Match ${JSON.stringify(this.ifMatch)} is not * or a list of entity tags such as "3"`
  }
}

/** A request path that is not valid percent-encoding (`/orders/%`). */
export class MalformedPath extends Schema.TaggedError<MalformedPath>()("MalformedPath", {
  path: Schema.String
}) {
  override get message(): string {
    return `the path ${JSON.stringify(this.path)} is not valid percent-encoding`
  }
}
