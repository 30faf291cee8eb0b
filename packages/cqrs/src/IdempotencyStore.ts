/**
 * Where the idempotency middleware keeps the outcome of commands that carried an idempotency key, so
 * a repeated command returns the first outcome instead of running again. Implementations:
 * `@cello/store-memory`, `@cello/store-postgres`, `@cello/store-redis`.
 */
import { Context, type Duration, type Effect } from "effect"
import type { StoreUnavailable } from "./Errors.js"

/** The outcome recorded for a key: the command's encoded success or typed failure (JSON). */
export type Outcome =
  | { readonly _tag: "Succeeded"; readonly value: unknown }
  | { readonly _tag: "Failed"; readonly error: unknown }

/** What `claim` found. */
export type Claim =
  /** The key was free: the caller runs the command and then `complete`s (or `release`s) it. */
  | { readonly _tag: "Claimed" }
  /** Another dispatch holds the key and has not finished. */
  | { readonly _tag: "InProgress" }
  | { readonly _tag: "Completed"; readonly outcome: Outcome }

export interface IdempotencyStoreShape {
  /**
   * Atomically claims a key, or reports what is there. A claim that is never completed expires after
   * `claimTtl` (its holder died), so the key can be claimed again.
   */
  readonly claim: (key: string, claimTtl: Duration.Input) => Effect.Effect<Claim, StoreUnavailable>
  /** Records the outcome for the claimed key, kept for `retention`. */
  readonly complete: (
    key: string,
    outcome: Outcome,
    retention: Duration.Input
  ) => Effect.Effect<void, StoreUnavailable>
  /** Gives up a claim without an outcome (a defect or interruption), so the command may run again. */
  readonly release: (key: string) => Effect.Effect<void, StoreUnavailable>
}

export class IdempotencyStore extends Context.Service<IdempotencyStore, IdempotencyStoreShape>()(
  "@cello/cqrs/IdempotencyStore"
) {}
