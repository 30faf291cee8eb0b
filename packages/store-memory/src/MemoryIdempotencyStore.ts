import { IdempotencyStore } from "@cello/cqrs"
import { Clock, Duration, Effect, Layer } from "effect"

type Entry =
  | { readonly state: "pending"; readonly expiresAt: number }
  /** The outcome as JSON text: every claim that finds it parses a fresh copy. */
  | { readonly state: "completed"; readonly outcome: string; readonly expiresAt: number }

const millis = (duration: Duration.Input): number => Duration.toMillis(Duration.fromInputUnsafe(duration))

// Expired keys are replaced by the next claim; a sweep now and then frees the ones nobody claims again.
const sweepEvery = 60_000

/** Idempotency keys in a map; expiry follows the Effect `Clock` (so `TestClock` drives it). */
export const make: Effect.Effect<IdempotencyStore.IdempotencyStoreShape> = Effect.sync(() => {
  const keys = new Map<string, Entry>()
  let nextSweep = 0
  const sweep = (now: number) => {
    if (now < nextSweep) return
    nextSweep = now + sweepEvery
    for (const [key, entry] of keys) if (entry.expiresAt <= now) keys.delete(key)
  }
  return {
    claim: (key, claimTtl) =>
      Effect.map(Clock.currentTimeMillis, (now): IdempotencyStore.Claim => {
        sweep(now)
        const entry = keys.get(key)
        if (entry !== undefined && entry.expiresAt > now)
          return entry.state === "pending"
            ? { _tag: "InProgress" }
            : { _tag: "Completed", outcome: JSON.parse(entry.outcome) }
        keys.set(key, { state: "pending", expiresAt: now + millis(claimTtl) })
        return { _tag: "Claimed" }
      }),
    complete: (key, outcome, retention) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        keys.set(key, {
          state: "completed",
          outcome: JSON.stringify(outcome),
          expiresAt: now + millis(retention)
        })
      }),
    release: (key) =>
      Effect.sync(() => {
        // Only a pending claim is given up: an outcome stays until its retention ends.
        if (keys.get(key)?.state === "pending") keys.delete(key)
      })
  }
})

export const layer: Layer.Layer<IdempotencyStore.IdempotencyStore> = Layer.effect(
  IdempotencyStore.IdempotencyStore,
  make
)
