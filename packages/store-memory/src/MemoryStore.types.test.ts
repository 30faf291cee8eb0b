// `MemoryStore.StoreLayer`: the type of a Layer of all of the store's ports, so an app that picks a
// store at run time keeps the compile-time check for a missing service (which `Layer<any>` loses).
import { Layer } from "effect"
import { expectTypeOf, it } from "vitest"
import { MemoryEventStore, MemorySagaStore, MemoryStore } from "./index.js"

it("the memory store's layer is a StoreLayer; a layer missing a port is not", () => {
  expectTypeOf(MemoryStore.layer).toEqualTypeOf<MemoryStore.StoreLayer>()
  expectTypeOf(MemoryStore.layer).toExtend<Layer.Layer<MemoryStore.Services>>()
  // @ts-expect-error the SnapshotStore, CheckpointStore and CQRS ports are missing
  const partial: MemoryStore.StoreLayer = Layer.mergeAll(MemoryEventStore.layer, MemorySagaStore.layer)
  expectTypeOf(partial).not.toBeAny()
})
