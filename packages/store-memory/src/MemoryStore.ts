import type { CheckpointStore, EventStore, SnapshotStore } from "@cello/eventsourcing"
import { Layer } from "effect"
import * as MemoryCheckpointStore from "./MemoryCheckpointStore.js"
import * as MemoryEventStore from "./MemoryEventStore.js"
import * as MemorySnapshotStore from "./MemorySnapshotStore.js"

/** Every event-sourcing port in memory: a fresh, empty store each time the layer is built. */
export const layer: Layer.Layer<
  EventStore.EventStore | SnapshotStore.SnapshotStore | CheckpointStore.CheckpointStore
> = Layer.mergeAll(MemoryEventStore.layer, MemorySnapshotStore.layer, MemoryCheckpointStore.layer)
