export * as MemoryCheckpointStore from "./MemoryCheckpointStore.js"
export * as MemoryEventStore from "./MemoryEventStore.js"
export * as MemorySnapshotStore from "./MemorySnapshotStore.js"
export * as MemoryStore from "./MemoryStore.js"
