/**
 * What every scenario of `pnpm bench` shares: the server, a raw `mysql2` pool configured as the
 * store's own, time-boxed runners for both sides, and the Markdown table.
 */
import os from "node:os"
import type { Measurement, Runner, Timing } from "@cello/tooling/bench"
import * as shared from "@cello/tooling/bench"
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

// ── Timing: the runners every store's bench shares, measured for `scale` times as long ──────────────

export type { Measurement, Runner, Timing } from "@cello/tooling/bench"
export { effectRunner, msPerStep, perSecond, promiseRunner } from "@cello/tooling/bench"

/** Warms every runner up, then measures them in alternating phases (times scaled by `scale`). */
export const interleave = (
  timing: Timing,
  runners: ReadonlyArray<Runner>
): Promise<ReadonlyArray<Measurement>> =>
  shared.interleave(
    { ...timing, warmupMs: timing.warmupMs * scale, durationMs: timing.durationMs * scale },
    runners
  )

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
