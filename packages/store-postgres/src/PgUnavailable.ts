/**
 * The connection layers' own error: the server could not be reached, configured or migrated. Each
 * port answers its pattern package's `StoreUnavailable` instead; this one is the store's, so an app
 * that takes only `@cello/store-postgres/saga` needs no other pattern package. It carries the same
 * tag and fields, so one `catchTag("StoreUnavailable")` handles both.
 */
import { Schema } from "effect"

export class PgUnavailable extends Schema.TaggedError<PgUnavailable>()("StoreUnavailable", {
  store: Schema.String,
  operation: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.store} unavailable during ${this.operation}: ${this.detail}`
  }
}
