/**
 * Circuit breakers of an orchestrator, one per saga step that has a policy. Closed: calls go through
 * and failures are counted; `maxFailures` in a row open it. Open: calls are refused until
 * `resetAfter` has passed, then one trial call goes through (half-open): success closes it, failure
 * opens it again. Times follow Effect's `Clock`, so `TestClock` drives them.
 */
import { Clock, Duration, Effect } from "effect"
import type { CircuitBreakerPolicy } from "../Saga.js"

interface State {
  failures: number
  openedAt: number | undefined
  trialInFlight: boolean
}

export interface Breakers {
  /** True when a call may go through now (closed, or the half-open trial). */
  readonly allow: (key: string, policy: CircuitBreakerPolicy) => Effect.Effect<boolean>
  readonly succeeded: (key: string) => Effect.Effect<void>
  readonly failed: (key: string, policy: CircuitBreakerPolicy) => Effect.Effect<void>
}

export const make = (): Breakers => {
  const states = new Map<string, State>()
  const state = (key: string): State => {
    const existing = states.get(key)
    if (existing !== undefined) return existing
    const fresh: State = { failures: 0, openedAt: undefined, trialInFlight: false }
    states.set(key, fresh)
    return fresh
  }
  return {
    allow: (key, policy) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const s = state(key)
        if (s.openedAt === undefined) return true
        const coolDown = Duration.toMillis(Duration.fromInputUnsafe(policy.resetAfter))
        if (now - s.openedAt < coolDown || s.trialInFlight) return false
        s.trialInFlight = true
        return true
      }),
    succeeded: (key) =>
      Effect.sync(() => {
        states.set(key, { failures: 0, openedAt: undefined, trialInFlight: false })
      }),
    failed: (key, policy) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const s = state(key)
        s.failures++
        if (s.trialInFlight || s.failures >= policy.maxFailures) {
          s.openedAt = now
          s.trialInFlight = false
        }
      })
  }
}
