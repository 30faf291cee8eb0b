/**
 * Benchmark plumbing: fresh schemas, time-boxed worker loops (one for promises, one for Effect
 * programs, with the same warm-up and measurement rules), and the Markdown table.
 *
 * Not a test: nothing here fails on a missed target; it only prints.
 */

import { execFileSync } from "node:child_process"
import os from "node:os"
import { PgStoreConfig } from "@cello/store-postgres"
import { interleave, type Measurement, type Runner, type Timing } from "@cello/tooling/bench"
import { Layer, References } from "effect"
import pg from "pg"

export const url = process.env.CELLO_DATABASE_URL ?? PgStoreConfig.developmentUrl

/** Pool size of both sides (Cello's `poolSize` and the raw `pg.Pool`'s `max`). */
export const poolSize = 10

export const freshSchema = (label: string): string =>
  `bench_${label}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e9).toString(36)}`

/** `"schema"."table"`, for raw SQL (schema names come from `freshSchema`: safe identifiers). */
export const qualified = (schema: string, table: string): string => `"${schema}"."${table}"`

/** Keeps the store's start-up info log out of the benchmark output (warnings still print). */
export const quietLogs = Layer.succeed(References.MinimumLogLevel, "Warn")

/** Runs one statement on a short-lived connection (schema creation and clean-up). */
export const admin = async (statement: string): Promise<void> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

export const dropSchema = (schema: string): Promise<void> =>
  admin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)

/** Writes dirty buffers out, so one side's writes are not flushed during the other side's timing. */
export const checkpoint = (): Promise<void> => admin("CHECKPOINT")

/**
 * The raw side's table: what Cello's `events` table holds for these scenarios, and nothing else
 * (no streams table, no transaction id, no NOTIFY). The index on `position` is what a raw
 * catch-up reader needs; Cello's table has `(transaction_id, position)` for the same purpose.
 */
export const createRawSchema = async (schema: string): Promise<void> => {
  await admin(`CREATE SCHEMA "${schema}"`)
  await admin(`CREATE TABLE ${qualified(schema, "events")} (
    position bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    stream_id text NOT NULL,
    stream_version bigint NOT NULL,
    event_id uuid NOT NULL UNIQUE,
    type text NOT NULL,
    data jsonb NOT NULL,
    metadata jsonb NOT NULL,
    PRIMARY KEY (stream_id, stream_version)
  )`)
}

export const rawPool = (connectionString: string = url): pg.Pool =>
  new pg.Pool({ connectionString, max: poolSize })

/** `url` with session settings sent in every connection's startup packet (libpq's `options`). */
export const withSessionSettings = (settings: Record<string, string>): string => {
  const withSettings = new URL(url)
  withSettings.searchParams.set(
    "options",
    Object.entries(settings)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(" ")
  )
  return withSettings.toString()
}

// ── Timing: the runners every store's bench shares ────────────────────────────────────────────────

export type { Measurement, Runner, Timing } from "@cello/tooling/bench"
export { effectRunner, interleave, msPerStep, perSecond, promiseRunner } from "@cello/tooling/bench"

/** Raw and Cello, interleaved: the pair every scenario reports. */
export const compare = async (
  timing: Timing,
  raw: Runner,
  cello: Runner,
  beforePhase?: () => Promise<void>
): Promise<{ readonly raw: Measurement; readonly cello: Measurement }> => {
  const [r, c] = await interleave(timing, [raw, cello], beforePhase)
  if (r === undefined || c === undefined) throw new Error("interleave lost a runner")
  return { raw: r, cello: c }
}

// ── Reporting ─────────────────────────────────────────────────────────────────────────────────────

export interface Row {
  readonly scenario: string
  readonly unit: string
  readonly cello: number
  readonly raw: number
  /** Minimum Cello/raw ratio; undefined when the scenario has no target. */
  readonly target?: number
}

/** A scenario's rows of the main table, and Markdown notes printed below it. */
export interface ScenarioResult {
  readonly rows: ReadonlyArray<Row>
  readonly notes: ReadonlyArray<string>
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 })

export const formatRate = (n: number): string => (n >= 100 ? integer.format(n) : decimal.format(n))
export const formatMs = (n: number): string => (n >= 100 ? integer.format(n) : n.toFixed(2))

const verdict = (ratio: number, target: number | undefined): string => {
  if (target === undefined) return "n/a"
  if (ratio >= target) return "met"
  const short = ((target - ratio) / target) * 100
  return `missed by ${short < 10 ? short.toFixed(1) : short.toFixed(0)}%`
}

/** A Markdown table with padded columns (as the repo's formatter writes them); "r" aligns right. */
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

/** 0.8 as "0.8", 1 / 1.3 as "0.77". */
const targetText = (target: number): string =>
  Number.isInteger(target * 10) ? target.toFixed(1) : target.toFixed(2)

export const table = (rows: ReadonlyArray<Row>): string =>
  markdownTable(
    ["Scenario", "Unit", "Cello", "raw pg", "Cello/raw", "Target", "Result"],
    ["l", "l", "r", "r", "r", "r", "l"],
    rows.map((row) => {
      const ratio = row.cello / row.raw
      return [
        row.scenario,
        row.unit,
        formatRate(row.cello),
        formatRate(row.raw),
        `${ratio.toFixed(2)}×`,
        row.target === undefined ? "—" : `≥ ${targetText(row.target)}×`,
        verdict(ratio, row.target)
      ]
    })
  )

/** The commit measured, and whether the store's or the core's sources differ from it. */
export const revision = (): string => {
  try {
    const git = (...args: ReadonlyArray<string>) =>
      execFileSync("git", args, { cwd: new URL("..", import.meta.url), encoding: "utf8" }).trim()
    const commit = git("rev-parse", "--short", "HEAD")
    const dirty = git("status", "--porcelain", "--", "src", "../eventsourcing/src")
    return dirty === ""
      ? commit
      : `${commit} with uncommitted changes in ${dirty.split("\n").length} source file(s)`
  } catch {
    return "unknown (no git)"
  }
}

export const machine = async (): Promise<string> => {
  const cpus = os.cpus()
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  let server = "unknown"
  try {
    const result = await client.query<{ version: string; sync: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS sync"
    )
    const row = result.rows[0]
    if (row !== undefined) server = `PostgreSQL ${row.version} (synchronous_commit=${row.sync}, same host)`
  } finally {
    await client.end()
  }
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpus[0]?.model ?? "unknown"} × ${cpus.length} cores (${os.platform()} ${os.release()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB)`,
    `- Node: ${process.version}`,
    `- Database: ${server}`,
    `- Code: ${revision()}`
  ].join("\n")
}
