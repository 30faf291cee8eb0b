import { Context, type Duration, type Effect, type Option } from "effect"
import type { Checkpoint } from "./Checkpoint.js"
import type { StoreUnavailable } from "./Errors.js"

/**
 * Where async projections (and other readers of the global log) keep their place, plus a lease so
 * only one process runs a given projection at a time.
 */
export interface CheckpointStoreShape {
  readonly load: (name: string) => Effect.Effect<Option.Option<Checkpoint>, StoreUnavailable>
  readonly save: (name: string, checkpoint: Checkpoint) => Effect.Effect<void, StoreUnavailable>
  /** Forgets the checkpoint: the next reader starts from the beginning. */
  readonly reset: (name: string) => Effect.Effect<void, StoreUnavailable>
  /**
   * Takes or renews the lease on `name` for `owner`. True when `owner` holds it afterwards: it was
   * free, expired, or already `owner`'s. False while another owner's lease is live.
   */
  readonly acquireLease: (
    name: string,
    owner: string,
    duration: Duration.Input
  ) => Effect.Effect<boolean, StoreUnavailable>
  /** Gives the lease up if `owner` holds it, so another process can take over at once. */
  readonly releaseLease: (name: string, owner: string) => Effect.Effect<void, StoreUnavailable>
  /** True when `atomically` really commits the effect's writes and the checkpoint together. */
  readonly atomic: boolean
  /**
   * Runs an effect so that its writes and the checkpoint saves inside it commit together, when the
   * store can (PostgreSQL: one transaction, so a read model in the same database is updated exactly
   * once). Stores that cannot (`atomic: false`) run it as it is; projections must then be idempotent.
   */
  readonly atomically: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreUnavailable, R>
}

export class CheckpointStore extends Context.Service<CheckpointStore, CheckpointStoreShape>()(
  "@cello/eventsourcing/CheckpointStore"
) {}
