/**
 * Test kit of @cello/cqrs: the conformance suites every store of the read side runs against itself.
 * Needs `vitest` and `@effect/vitest`.
 */
import type { Layer } from "effect"
import type { IdempotencyStore } from "./IdempotencyStore.js"
import type { ReadModelStore } from "./ReadModelStore.js"
import { idempotencyStoreSuite } from "./testing/idempotencyStoreSuite.js"
import { readModelStoreSuite } from "./testing/readModelStoreSuite.js"

export { idempotencyStoreSuite } from "./testing/idempotencyStoreSuite.js"
export { readModelStoreSuite } from "./testing/readModelStoreSuite.js"

/** Runs the ReadModelStore and IdempotencyStore conformance suites against a store providing both. */
export const conformance = <E>(
  name: string,
  storeLayer: Layer.Layer<ReadModelStore | IdempotencyStore, E>
): void => {
  readModelStoreSuite(name, storeLayer)
  idempotencyStoreSuite(name, storeLayer)
}
