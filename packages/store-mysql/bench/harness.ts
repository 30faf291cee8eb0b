/**
 * What every scenario of `pnpm bench` shares: the server, a raw `mysql2` pool configured as the
 * store's own, time-boxed runners for both sides, and the Markdown table.
 */
import os from "node:os"
import { Effect, type ManagedRuntime } from "effect"
import { createPool, type Pool } from "mysql2/promise"

export const url = new URL(process.env.CELLO_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test")
/** Scales every scenario's measured time (CELLO_BENCH_SCALE, 1). */
export const scale = Number(process.env.CELLO_BENCH_SCALE ?? 1)
export const poolSize = 8

/** A fresh database name for one scenario (dropped at its end). */
export const freshDatabase = (label: string): string => `cello_bench_${label}_${Date.now().toString(36)}`

/** The driver settings `MysqlDatabase` uses, so the raw side decodes rows the same way. */
export const rawPool = (): Pool =>
  createPool({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || "root",
    password: decodeURIComponent(url.password),
    connectionLimit: poolSize,
    charset: "utf8mb4_bin",
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true
  })

/** The rows of a SELECT, typed by the caller: the raw side trusts its own SQL, as an app would. */
export async function selectRows<Row>(
  pool: Pool,
  text: string,
  values: Array<string | number>
): Promise<ReadonlyArray<Row>>
export async function selectRows(
  pool: Pool,
  text: string,
  values: Array<string | number>
): Promise<ReadonlyArray<unknown>> {
  const [rows] = await pool.query(text, values)
  return Array.isArray(rows) ? rows : []
}

// ── Timing ────────────────────────────────────────────────────────────────────────────────────────

export interface Timing {
  /** Untimed run of each side first (connections, JIT). */
  readonly warmupMs: number
  /** Measured time per side, split into `rounds` phases in which the sides take turns. */
  readonly durationMs: number
  /** Phases per side; the order is reversed every round, so a neighbour's load hits both sides. */
  readonly rounds: number
  readonly concurrency: number
}

export interface Measurement {
  readonly units: number
  readonly steps: number
  readonly seconds: number
}

export const perSecond = (m: Measurement): number => m.units / m.seconds
export const msPerStep = (m: Measurement): number => (m.seconds * 1000) / m.steps

/** Runs one side for about `ms` with `concurrency` workers. */
export type Runner = (ms: number, concurrency: number) => Promise<Measurement>

const workers = (n: number): ReadonlyArray<number> => Array.from({ length: n }, (_, i) => i)

const sum = (tallies: ReadonlyArray<Omit<Measurement, "seconds">>, start: number): Measurement => ({
  units: tallies.reduce((s, t) => s + t.units, 0),
  steps: tallies.reduce((s, t) => s + t.steps, 0),
  seconds: (performance.now() - start) / 1000
})

/** Workers repeat a promise step until the time is up; a step returns the units it did. */
export const promiseRunner =
  (step: (worker: number, i: number) => Promise<number>): Runner =>
  async (ms, concurrency) => {
    const start = performance.now()
    const tallies = await Promise.all(
      workers(concurrency).map(async (worker) => {
        let units = 0
        let steps = 0
        while (performance.now() < start + ms) units += await step(worker, steps++)
        return { units, steps }
      })
    )
    return sum(tallies, start)
  }

/** The same for an Effect step: the workers are fibers of one program run by `runtime`. */
export const effectRunner =
  <R, E>(
    runtime: ManagedRuntime.ManagedRuntime<R, unknown>,
    step: (worker: number, i: number) => Effect.Effect<number, E, R>
  ): Runner =>
  (ms, concurrency) =>
    runtime.runPromise(
      Effect.suspend(() => {
        const start = performance.now()
        return Effect.forEach(
          workers(concurrency),
          (worker) =>
            Effect.gen(function* () {
              let units = 0
              let steps = 0
              while (performance.now() < start + ms) units += yield* step(worker, steps++)
              return { units, steps }
            }),
          { concurrency: "unbounded" }
        ).pipe(Effect.map((tallies) => sum(tallies, start)))
      })
    )

/** Warms every runner up, then measures them in alternating phases. */
export const interleave = async (
  timing: Timing,
  runners: ReadonlyArray<Runner>
): Promise<ReadonlyArray<Measurement>> => {
  for (const runner of runners) await runner(timing.warmupMs * scale, timing.concurrency)
  const totals = runners.map((): Measurement => ({ units: 0, steps: 0, seconds: 0 }))
  const phaseMs = (timing.durationMs * scale) / timing.rounds
  for (let round = 0; round < timing.rounds; round++) {
    const order = round % 2 === 0 ? workers(runners.length) : [...workers(runners.length)].reverse()
    for (const i of order) {
      const runner = runners[i]
      const total = totals[i]
      if (runner === undefined || total === undefined) continue
      const m = await runner(phaseMs, timing.concurrency)
      totals[i] = {
        units: total.units + m.units,
        steps: total.steps + m.steps,
        seconds: total.seconds + m.seconds
      }
    }
  }
  return totals
}

// ── Reporting ─────────────────────────────────────────────────────────────────────────────────────

export interface Row {
  readonly scenario: string
  readonly unit: string
  readonly cello: number
  readonly raw: number
  /** The least Cello/raw ratio that meets the target; none for a row without one. */
  readonly target?: number
  /** A further raw reference (the bare INSERT of the append rows). */
  readonly note?: string
}

export interface ScenarioResult {
  readonly rows: ReadonlyArray<Row>
  readonly notes: ReadonlyArray<string>
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })
export const formatRate = (n: number): string => (n >= 100 ? integer.format(n) : n.toFixed(1))

const verdict = (ratio: number, target: number | undefined): string =>
  target === undefined ? "—" : ratio >= target ? "met" : "missed"

export const markdownTable = (
  header: ReadonlyArray<string>,
  align: ReadonlyArray<"l" | "r">,
  body: ReadonlyArray<ReadonlyArray<string>>
): string => {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...body.map((row) => (row[i] ?? "").length)))
  const cell = (text: string, i: number) =>
    align[i] === "r" ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map(cell).join(" | ")} |`
  const rule = `| ${widths.map((w, i) => (align[i] === "r" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`
  return [line(header), rule, ...body.map(line)].join("\n")
}

export const table = (rows: ReadonlyArray<Row>): string =>
  markdownTable(
    ["Scenario", "Unit", "Cello", "raw mysql2", "Cello/raw", "Target", "Result"],
    ["l", "l", "r", "r", "r", "r", "l"],
    rows.map((row) => {
      const ratio = row.cello / row.raw
      return [
        row.scenario,
        row.unit,
        formatRate(row.cello),
        formatRate(row.raw),
        `${ratio.toFixed(2)}×`,
        row.target === undefined ? "—" : `≥ ${row.target.toFixed(2)}×`,
        verdict(ratio, row.target)
      ]
    })
  )

export const machine = async (pool: Pool): Promise<string> => {
  const [version] = await selectRows<{ readonly v: string }>(pool, "SELECT VERSION() AS v", [])
  const cpus = os.cpus()
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpus[0]?.model ?? "unknown"} × ${cpus.length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} at the start`,
    `- Node: ${process.version}`,
    `- Server: ${version?.v ?? "unknown"} (same host)`
  ].join("\n")
}
