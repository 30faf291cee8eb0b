import { SnapshotStore } from "@cello/eventsourcing"
import { DateTime, Effect, Layer, Option } from "effect"

/** Snapshots in a map; a save never replaces a newer snapshot. State is kept as a JSON copy. */
export const make: Effect.Effect<SnapshotStore.SnapshotStoreShape> = Effect.sync(() => {
  const snapshots = new Map<string, SnapshotStore.Snapshot>()
  return {
    save: (snapshot) =>
      Effect.gen(function* () {
        const current = snapshots.get(snapshot.streamId)
        if (current !== undefined && current.streamVersion > snapshot.streamVersion) return
        const takenAt = yield* DateTime.now
        snapshots.set(snapshot.streamId, {
          ...snapshot,
          state: JSON.parse(JSON.stringify(snapshot.state)),
          takenAt
        })
      }),
    load: (streamId) => Effect.sync(() => Option.fromUndefinedOr(snapshots.get(streamId))),
    delete: (streamId) =>
      Effect.sync(() => {
        snapshots.delete(streamId)
      })
  }
})

export const layer: Layer.Layer<SnapshotStore.SnapshotStore> = Layer.effect(SnapshotStore.SnapshotStore, make)
