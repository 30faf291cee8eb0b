import * as Cqrs from "@cello/cqrs"
import * as EventSourcing from "@cello/eventsourcing"
import type { RedisError } from "../RedisError.js"

/** The `StoreUnavailable` of `@cello/cqrs` (read models, idempotency keys) for a Redis failure. */
export const cqrsUnavailable = (
  error: Pick<RedisError, "target" | "operation" | "detail">
): Cqrs.StoreUnavailable =>
  new Cqrs.StoreUnavailable({
    store: "redis",
    operation: error.operation,
    detail: `${error.target}: ${error.detail}`
  })

/** The `StoreUnavailable` of `@cello/eventsourcing` (snapshots, checkpoints) for a Redis failure. */
export const eventSourcingUnavailable = (
  error: Pick<RedisError, "target" | "operation" | "detail">
): EventSourcing.StoreUnavailable =>
  new EventSourcing.StoreUnavailable({
    store: "redis",
    operation: error.operation,
    detail: `${error.target}: ${error.detail}`
  })
