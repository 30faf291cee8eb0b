import { Schema } from "effect"

/** No handler is registered for the command or query that was dispatched. */
export class HandlerNotFound extends Schema.TaggedError<HandlerNotFound>()("HandlerNotFound", {
  kind: Schema.Literals(["command", "query"]),
  name: Schema.String
}) {
  override get message(): string {
    return `no handler is registered for ${this.kind} "${this.name}"`
  }
}

/** Two handlers were registered for one command or query: the app fails at start-up with this. */
export class DuplicateHandler extends Schema.TaggedError<DuplicateHandler>()("DuplicateHandler", {
  kind: Schema.Literals(["command", "query"]),
  name: Schema.String
}) {
  override get message(): string {
    return `a handler for ${this.kind} "${this.name}" is already registered; register exactly one`
  }
}

/** The command did not finish within `commandTimeout`. */
export class CommandTimeout extends Schema.TaggedError<CommandTimeout>()("CommandTimeout", {
  name: Schema.String,
  timeoutMillis: Schema.Number
}) {
  override get message(): string {
    return `command "${this.name}" timed out after ${this.timeoutMillis} ms`
  }
}

/** The query did not finish within `queryTimeout`. */
export class QueryTimeout extends Schema.TaggedError<QueryTimeout>()("QueryTimeout", {
  name: Schema.String,
  timeoutMillis: Schema.Number
}) {
  override get message(): string {
    return `query "${this.name}" timed out after ${this.timeoutMillis} ms`
  }
}

/** A message's payload does not match its schema; `issues` names each bad field. */
export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", {
  name: Schema.String,
  issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
}) {
  override get message(): string {
    return `invalid ${this.name}: ${this.issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`
  }
}

/** A store of the read side could not be reached or failed; names the store, never a password. */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  store: Schema.String,
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.store} unavailable during ${this.operation}: ${this.detail}`
  }
}

/**
 * A read-model document could not be decoded with its schema, or a write, list or index was refused.
 * `id` is empty when the error is about the collection (a list option, an index) and no one document.
 */
export class ReadModelError extends Schema.TaggedError<ReadModelError>()("ReadModelError", {
  collection: Schema.String,
  id: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    const document = this.id === "" ? "" : ` document "${this.id}"`
    return `read model "${this.collection}"${document}: ${this.detail}`
  }
}

/** No handler of a chain accepted the command. */
export class NoHandlerAccepted extends Schema.TaggedError<NoHandlerAccepted>()("NoHandlerAccepted", {
  name: Schema.String,
  tried: Schema.Int
}) {
  override get message(): string {
    return `none of the ${this.tried} handlers in the chain for "${this.name}" accepted it`
  }
}

/** A handler failed with an error its message does not declare (an infrastructure or coding error). */
export class HandlerFailed extends Schema.TaggedError<HandlerFailed>()("HandlerFailed", {
  name: Schema.String,
  errorTag: Schema.String,
  detail: Schema.String,
  /** For a `StoreUnavailable`: which store (e.g. "redis"), a name safe to show a client, unlike `detail`. */
  store: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    return `the handler of "${this.name}" failed with ${this.errorTag}: ${this.detail}`
  }
}
