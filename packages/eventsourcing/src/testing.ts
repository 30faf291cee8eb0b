/**
 * Test kit of @cello/eventsourcing: the conformance suites every store runs against itself, the
 * torture and outage tests of the SQL stores, and a given/when/then helper for aggregates. Needs
 * `vitest` and `@effect/vitest`.
 */
import type { Layer } from "effect"
import type { CheckpointStore } from "./CheckpointStore.js"
import type { EventStore } from "./EventStore.js"
import type { SnapshotStore } from "./SnapshotStore.js"
import { checkpointStoreSuite } from "./testing/checkpointStoreSuite.js"
import { eventStoreSuite, type SuiteOptions } from "./testing/eventStoreSuite.js"
import { snapshotStoreSuite } from "./testing/snapshotStoreSuite.js"

export { checkpointStoreSuite } from "./testing/checkpointStoreSuite.js"
export { eventStoreSuite, type SuiteOptions } from "./testing/eventStoreSuite.js"
export { visible } from "./testing/fixtures.js"
export * from "./testing/givenWhenThen.js"
export { snapshotStoreSuite } from "./testing/snapshotStoreSuite.js"
export {
  type Refusal,
  type TortureOptions,
  type TortureTransactions,
  tortureSuite
} from "./testing/tortureSuite.js"
export { type ServerProxy, type UnavailableOptions, unavailableSuite } from "./testing/unavailableSuite.js"

/** Runs every event-sourcing conformance suite against a store that implements all three ports. */
export const conformance = <E>(
  name: string,
  storeLayer: Layer.Layer<EventStore | SnapshotStore | CheckpointStore, E>,
  options: SuiteOptions = {}
): void => {
  eventStoreSuite(name, storeLayer, options)
  snapshotStoreSuite(name, storeLayer)
  checkpointStoreSuite(name, storeLayer)
}
