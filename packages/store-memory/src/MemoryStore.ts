import type { IdempotencyStore, ReadModelStore } from "@cello/cqrs"
import type { CheckpointStore, EventStore, SnapshotStore } from "@cello/eventsourcing"
import type { SagaStore } from "@cello/saga"
import { Layer } from "effect"
import * as MemoryCheckpointStore from "./MemoryCheckpointStore.js"
import * as MemoryEventStore from "./MemoryEventStore.js"
import * as MemoryIdempotencyStore from "./MemoryIdempotencyStore.js"
import * as MemoryReadModelStore from "./MemoryReadModelStore.js"
import * as MemorySagaStore from "./MemorySagaStore.js"
import * as MemorySnapshotStore from "./MemorySnapshotStore.js"

/** Every port this store provides. */
export type Services =
  | EventStore.EventStore
  | SnapshotStore.SnapshotStore
  | CheckpointStore.CheckpointStore
  | ReadModelStore.ReadModelStore
  | IdempotencyStore.IdempotencyStore
  | SagaStore.SagaStore

/**
 * A Layer of all of this store's ports, for an app that picks its store at run time: annotate with
 * it (not `Layer<any>`) so a missing service stays a compile error.
 */
export type StoreLayer<E = never> = Layer.Layer<Services, E>

/** Every port in memory: a fresh, empty store each time the layer is built. */
export const layer: StoreLayer = Layer.mergeAll(
  MemoryEventStore.layer,
  MemorySnapshotStore.layer,
  MemoryCheckpointStore.layer,
  MemoryReadModelStore.layer,
  MemoryIdempotencyStore.layer,
  MemorySagaStore.layer
)
