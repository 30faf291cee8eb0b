/**
 * Test kit of @cello/saga: the conformance suite every `SagaStore` runs against itself. Needs
 * `vitest` and `@effect/vitest`.
 */
export { sagaStoreSuite } from "./testing/sagaStoreSuite.js"
