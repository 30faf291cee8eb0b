/**
 * Read-your-writes for async projections: `track` a command to learn the checkpoint of what it
 * appended, then `waitFor` the projections behind a read model to pass that checkpoint before
 * reading it. Without this, a query right after a command may not see the command's events yet.
 */
import { Duration, Effect, Option } from "effect"
import * as Checkpoint from "./Checkpoint.js"
import { CheckpointStore } from "./CheckpointStore.js"
import * as AppendTracker from "./internal/appendTracker.js"

/**
 * Runs `effect` and returns, beside its result, the highest checkpoint of the events appended while
 * it ran (none when nothing was appended). Every append counts, through `Repository` or straight to
 * the `EventStore`, in this fiber or in fibers it forks. An enclosing `track` also sees them.
 */
export const track = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<readonly [A, Option.Option<Checkpoint.Checkpoint>], E, R> =>
  Effect.gen(function* () {
    const tracker = AppendTracker.make(yield* AppendTracker.CurrentTracker)
    const result = yield* Effect.provideService(effect, AppendTracker.CurrentTracker, Option.some(tracker))
    return [result, tracker.highest] as const
  })

export interface WaitOptions {
  /** How long to wait at most (default 2 seconds). */
  readonly timeout?: Duration.Input
}

/** How often to look again: soon at first (a running projection is usually close), then less often. */
const firstInterval = 5
const maxInterval = 100

/**
 * Waits until every one of `projections` has stored a checkpoint at or after `checkpoint`: true then,
 * false when `timeout` passes first. Also false at once when the checkpoint store is unavailable, so
 * callers do not wait out the timeout while the read side is down; the read model may then be stale.
 */
export const waitFor = (
  projections: ReadonlyArray<string>,
  checkpoint: Checkpoint.Checkpoint,
  options: WaitOptions = {}
): Effect.Effect<boolean, never, CheckpointStore> =>
  Effect.gen(function* () {
    const store = yield* CheckpointStore
    const behind = (name: string) =>
      Effect.map(
        store.load(name),
        (stored) => !Option.exists(stored, (at) => !Checkpoint.isAfter(checkpoint, at))
      )
    let pending = projections
    let interval = firstInterval
    while (true) {
      // Projections that got there are not asked again.
      pending = yield* Effect.filter(pending, behind)
      if (pending.length === 0) return true
      yield* Effect.sleep(Duration.millis(interval))
      interval = Math.min(interval * 2, maxInterval)
    }
  }).pipe(
    Effect.timeoutOption(options.timeout ?? "2 seconds"),
    Effect.map(Option.isSome),
    Effect.catchTag("StoreUnavailable", (error) =>
      Effect.as(
        Effect.logDebug("not waiting for projections: checkpoint store unavailable", {
          projections,
          error: error.message
        }),
        false
      )
    ),
    Effect.tap((reached) => Effect.annotateCurrentSpan("cello.reached", reached)),
    Effect.withSpan("Consistency.waitFor", {
      attributes: { "cello.projections": projections, "cello.checkpoint": Checkpoint.encode(checkpoint) }
    })
  )
