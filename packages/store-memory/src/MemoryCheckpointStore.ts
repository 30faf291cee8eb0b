import { type Checkpoint, CheckpointStore } from "@cello/eventsourcing"
import { Clock, Duration, Effect, Layer, Option } from "effect"

interface Lease {
  readonly owner: string
  readonly expiresAt: number
}

/** Checkpoints and leases in maps; lease expiry follows the Effect `Clock` (so `TestClock` drives it). */
export const make: Effect.Effect<CheckpointStore.CheckpointStoreShape> = Effect.sync(() => {
  const checkpoints = new Map<string, Checkpoint.Checkpoint>()
  const leases = new Map<string, Lease>()
  return {
    load: (name) => Effect.sync(() => Option.fromUndefinedOr(checkpoints.get(name))),
    save: (name, checkpoint) =>
      Effect.sync(() => {
        checkpoints.set(name, checkpoint)
      }),
    reset: (name) =>
      Effect.sync(() => {
        checkpoints.delete(name)
      }),
    acquireLease: (name, owner, duration) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const lease = leases.get(name)
        if (lease !== undefined && lease.owner !== owner && lease.expiresAt > now) return false
        leases.set(name, { owner, expiresAt: now + Duration.toMillis(Duration.fromInputUnsafe(duration)) })
        return true
      }),
    releaseLease: (name, owner) =>
      Effect.sync(() => {
        if (leases.get(name)?.owner === owner) leases.delete(name)
      }),
    // Memory cannot roll back a read model: projections on this store must be idempotent.
    atomic: false,
    atomically: (effect) => effect
  }
})

export const layer: Layer.Layer<CheckpointStore.CheckpointStore> = Layer.effect(
  CheckpointStore.CheckpointStore,
  make
)
