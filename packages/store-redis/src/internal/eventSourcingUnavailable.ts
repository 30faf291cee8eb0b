import { StoreUnavailable } from "@cello/eventsourcing"
import type { RedisError } from "../RedisError.js"

/** The `StoreUnavailable` of `@cello/eventsourcing` (snapshots, checkpoints) for a Redis failure. */
export const eventSourcingUnavailable = (
  error: Pick<RedisError, "target" | "operation" | "detail">
): StoreUnavailable =>
  new StoreUnavailable({
    store: "redis",
    operation: error.operation,
    detail: `${error.target}: ${error.detail}`
  })
