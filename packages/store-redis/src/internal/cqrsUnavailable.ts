import { StoreUnavailable } from "@cello/cqrs"
import type { RedisError } from "../RedisError.js"

/** The `StoreUnavailable` of `@cello/cqrs` (read models, idempotency keys) for a Redis failure. */
export const cqrsUnavailable = (
  error: Pick<RedisError, "target" | "operation" | "detail">
): StoreUnavailable =>
  new StoreUnavailable({
    store: "redis",
    operation: error.operation,
    detail: `${error.target}: ${error.detail}`
  })
