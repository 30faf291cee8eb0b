import { Context, type DateTime, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "./Errors.js"

/** An aggregate's state at a stream version, serialized as JSON with the state's schema version. */
export interface Snapshot {
  readonly streamId: string
  /** The stream version the state includes. */
  readonly streamVersion: number
  /** The version of the state's schema; a snapshot of another version is ignored on load. */
  readonly stateVersion: number
  readonly state: unknown
  readonly takenAt: DateTime.Utc
}

export interface SnapshotStoreShape {
  /** Stores a snapshot unless a newer one (higher stream version) is already stored. */
  readonly save: (snapshot: Omit<Snapshot, "takenAt">) => Effect.Effect<void, StoreUnavailable>
  readonly load: (streamId: string) => Effect.Effect<Option.Option<Snapshot>, StoreUnavailable>
  readonly delete: (streamId: string) => Effect.Effect<void, StoreUnavailable>
}

/** The snapshot store port. Optional: without one, aggregates are always rebuilt from their events. */
export class SnapshotStore extends Context.Service<SnapshotStore, SnapshotStoreShape>()(
  "@cello/eventsourcing/SnapshotStore"
) {}

export const save = (
  snapshot: Omit<Snapshot, "takenAt">
): Effect.Effect<void, StoreUnavailable, SnapshotStore> => SnapshotStore.use((store) => store.save(snapshot))

export const load = (
  streamId: string
): Effect.Effect<Option.Option<Snapshot>, StoreUnavailable, SnapshotStore> =>
  SnapshotStore.use((store) => store.load(streamId))
