/**
 * Benchmark plumbing: batched timing loops, interleaved rounds, medians, and the Markdown output.
 *
 * Not a test: nothing here fails on a missed target; it only prints.
 */
import os from "node:os"
import { performance } from "node:perf_hooks"

/** One thing to time: `batch(n)` does `n` dispatches and resolves when they are all done. */
export interface Variant {
  readonly key: string
  readonly label: string
  readonly batch: (n: number) => Promise<void>
}

export interface Timing {
  /** Least untimed run of each variant before the first round (JIT, inline caches, lazy init). */
  readonly warmupMs: number
  /** Most untimed run of each variant, when its timings do not settle sooner. */
  readonly maxWarmupMs: number
  /** Measured time of each variant per round. */
  readonly roundMs: number
  /**
   * Rounds per variant. The variants take turns (order reversed every other round), so a
   * neighbour's load on a shared machine falls on all of them alike instead of on one.
   */
  readonly rounds: number
  /** How long one batch should take; batches are what a round repeats. */
  readonly batchMs: number
}

export interface Result {
  readonly key: string
  readonly label: string
  /** Median over rounds of nanoseconds per dispatch. */
  readonly ns: number
  readonly min: number
  readonly max: number
}

/** CPU time this process has used, in nanoseconds (user and system, every thread). */
const cpuNanos = (): number => {
  const used = process.cpuUsage()
  return (used.user + used.system) * 1000
}

/**
 * Runs `variant` in batches of `n` for at least `ms` of wall time; CPU nanoseconds per dispatch.
 * CPU time, not wall time: on a machine shared with other work, time spent waiting for a core
 * inflates wall time by whatever the neighbours do, and CPU time much less.
 */
const timeFor = async (variant: Variant, n: number, ms: number): Promise<number> => {
  let ops = 0
  const start = performance.now()
  const cpuStart = cpuNanos()
  while (performance.now() - start < ms) {
    await variant.batch(n)
    ops += n
  }
  return (cpuNanos() - cpuStart) / ops
}

/**
 * Warms a variant up until two consecutive windows of `windowMs` agree within 10% (at least
 * `minMs`, at most `maxMs`: the JIT takes over a second to settle on the middleware-heavy variants),
 * and returns the batch size for which one batch takes about `batchMs`.
 */
const warmUp = async (variant: Variant, timing: Timing): Promise<number> => {
  const windowMs = 250
  const start = performance.now()
  let n = 1_000
  let previous = Number.POSITIVE_INFINITY
  for (;;) {
    const nsPerOp = await timeFor(variant, n, windowMs)
    n = Math.max(1_000, Math.round((timing.batchMs * 1e6) / nsPerOp))
    const elapsed = performance.now() - start
    const settled = Math.abs(nsPerOp - previous) <= 0.1 * previous
    if (elapsed >= timing.maxWarmupMs || (elapsed >= timing.warmupMs && settled)) return n
    previous = nsPerOp
  }
}

const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const hi = sorted[mid] ?? Number.NaN
  const lo = sorted[mid - 1] ?? hi
  return sorted.length % 2 === 1 ? hi : (lo + hi) / 2
}

export const run = async (
  variants: ReadonlyArray<Variant>,
  timing: Timing,
  progress: (line: string) => void
): Promise<ReadonlyArray<Result>> => {
  const sizes = new Map<string, number>()
  for (const variant of variants) {
    const n = await warmUp(variant, timing)
    sizes.set(variant.key, n)
    progress(`warmed up ${variant.label} (batches of ${n.toLocaleString("en-US")})`)
  }
  const samples = new Map<string, Array<number>>(variants.map((v) => [v.key, []]))
  for (let round = 0; round < timing.rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse()
    for (const variant of order) {
      const ns = await timeFor(variant, sizes.get(variant.key) ?? 1_000, timing.roundMs)
      samples.get(variant.key)?.push(ns)
    }
    progress(`round ${round + 1}/${timing.rounds} done`)
  }
  return variants.map((v) => {
    const xs = samples.get(v.key) ?? []
    return { key: v.key, label: v.label, ns: median(xs), min: Math.min(...xs), max: Math.max(...xs) }
  })
}

// ── Output ──────────────────────────────────────────────────────────────────────────────────────────

/** One-minute load average. */
export const load = (): number => os.loadavg()[0] ?? 0

export const machine = (loadAtStart: number): ReadonlyArray<string> => {
  const cpus = os.cpus()
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpus[0]?.model.trim() ?? "unknown"} × ${cpus.length} cores (${os.platform()} ${os.release()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB)`,
    `- Node: ${process.version}`,
    `- Load average (1 min): ${loadAtStart.toFixed(2)} at the start, ${load().toFixed(2)} at the end (other work on the machine inflates every row)`
  ]
}

const fmt = (x: number, digits = 0): string =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })

export const ns = (x: number): string => fmt(x, x < 100 ? 1 : 0)

export const ratio = (x: number): string => `${fmt(x, 2)}×`

/** A Markdown table with columns padded to equal width; `right` marks right-aligned columns. */
export const table = (
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  right: ReadonlyArray<boolean>
): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length), 3))
  const line = (cells: ReadonlyArray<string>) =>
    `| ${cells.map((c, i) => (right[i] === true ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join(" | ")} |`
  const rule = `| ${widths.map((w, i) => (right[i] === true ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`
  return [line(header), rule, ...rows.map(line)].join("\n")
}
