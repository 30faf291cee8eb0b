/** The ports of `@cello/eventsourcing` in memory: needs `@cello/eventsourcing` (and `effect`) only. */
export * as MemoryCheckpointStore from "./MemoryCheckpointStore.js"
export * as MemoryEventStore from "./MemoryEventStore.js"
export * as MemorySnapshotStore from "./MemorySnapshotStore.js"
