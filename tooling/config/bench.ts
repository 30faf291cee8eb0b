/**
 * The time-boxed runners the store benchmarks share: workers repeat a step (a promise or an Effect)
 * until the time is up, and `interleave` measures several sides in alternating phases, so a
 * neighbour's load on a shared machine falls on every side alike. Each store's `bench/harness.ts`
 * adds its server, pools and table.
 */
import { performance } from "node:perf_hooks"
import { Effect, type ManagedRuntime } from "effect"

export interface Timing {
  /** Untimed run of each side before the measurement (connections, prepared statements, JIT). */
  readonly warmupMs: number
  /** Measured time of each side, split into `rounds` phases that alternate between the sides. */
  readonly durationMs: number
  /** Phases per side; the order is reversed every round. */
  readonly rounds: number
  readonly concurrency: number
}

export interface Measurement {
  /** Units done (operations, events), summed over workers. */
  readonly units: number
  /** Steps done (an operation may count several units). */
  readonly steps: number
  /** From the start of each phase until its last worker finished its last step, summed. */
  readonly seconds: number
}

export const perSecond = (m: Measurement): number => m.units / m.seconds

/** Milliseconds per step (one worker; with more workers this is not a latency). */
export const msPerStep = (m: Measurement): number => (m.seconds * 1000) / m.steps

/** Runs one side for about `ms` with `concurrency` workers and reports what it did. */
export type Runner = (ms: number, concurrency: number) => Promise<Measurement>

const range = (n: number): ReadonlyArray<number> => Array.from({ length: n }, (_, i) => i)

interface Tally {
  readonly units: number
  readonly steps: number
}

const total = (tallies: ReadonlyArray<Tally>, start: number): Measurement => ({
  units: tallies.reduce((sum, t) => sum + t.units, 0),
  steps: tallies.reduce((sum, t) => sum + t.steps, 0),
  seconds: (performance.now() - start) / 1000
})

/** Workers start promise steps until the time is up; a step (given its worker and index) returns its units. */
export const promiseRunner =
  (step: (worker: number, i: number) => Promise<number>): Runner =>
  async (ms, concurrency) => {
    const start = performance.now()
    const end = start + ms
    const tallies = await Promise.all(
      range(concurrency).map(async (worker): Promise<Tally> => {
        let units = 0
        let steps = 0
        while (performance.now() < end) units += await step(worker, steps++)
        return { units, steps }
      })
    )
    return total(tallies, start)
  }

/** The same time box for an Effect step: the workers are fibers of one program run by `runtime`. */
export const effectRunner =
  <R, E>(
    runtime: ManagedRuntime.ManagedRuntime<R, unknown>,
    step: (worker: number, i: number) => Effect.Effect<number, E, R>
  ): Runner =>
  (ms, concurrency) =>
    runtime.runPromise(
      Effect.suspend(() => {
        const start = performance.now()
        const end = start + ms
        return Effect.forEach(
          range(concurrency),
          (worker) =>
            Effect.gen(function* () {
              let units = 0
              let steps = 0
              while (performance.now() < end) units += yield* step(worker, steps++)
              return { units, steps }
            }),
          { concurrency: "unbounded" }
        ).pipe(Effect.map((tallies) => total(tallies, start)))
      })
    )

const add = (a: Measurement, b: Measurement): Measurement => ({
  units: a.units + b.units,
  steps: a.steps + b.steps,
  seconds: a.seconds + b.seconds
})

/**
 * Warms every runner up, then measures them in alternating phases; `beforePhase` runs untimed
 * before each phase (e.g. a CHECKPOINT, so one side's dirty pages are not written during the other's).
 */
export const interleave = async (
  timing: Timing,
  runners: ReadonlyArray<Runner>,
  beforePhase: () => Promise<void> = async () => {}
): Promise<ReadonlyArray<Measurement>> => {
  for (const runner of runners) if (timing.warmupMs > 0) await runner(timing.warmupMs, timing.concurrency)
  const sums = runners.map((): Measurement => ({ units: 0, steps: 0, seconds: 0 }))
  const phaseMs = timing.durationMs / timing.rounds
  for (let round = 0; round < timing.rounds; round++) {
    const order = round % 2 === 0 ? range(runners.length) : [...range(runners.length)].reverse()
    for (const i of order) {
      const runner = runners[i]
      const sum = sums[i]
      if (runner === undefined || sum === undefined) continue
      await beforePhase()
      sums[i] = add(sum, await runner(phaseMs, timing.concurrency))
    }
  }
  return sums
}
