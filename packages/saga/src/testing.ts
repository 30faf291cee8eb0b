/**
 * Test kit of @cello/saga: the conformance suite every `SagaStore` runs against itself, the test of a
 * store's `saga list|retry` command line, and the crash test of the SQL stores (the suite, and the
 * runner of the processes it kills). Needs `vitest` and `@effect/vitest`, except `sagaCrashRunner`.
 */
export type { SagaCrashTables } from "./testing/crashSaga.js"
export { type CliOutcome, sagaCliSuite } from "./testing/sagaCliSuite.js"
export { sagaCrashRunner } from "./testing/sagaCrashRunner.js"
export {
  type RunnerProcess,
  type SagaCrashOptions,
  type SagaCrashSetup,
  sagaCrashSuite
} from "./testing/sagaCrashSuite.js"
export { sagaStoreSuite } from "./testing/sagaStoreSuite.js"
