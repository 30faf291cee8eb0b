/**
 * Cello's PostgreSQL store against the same work done with raw `pg`, in one run on one machine.
 * `pnpm bench` in packages/store-postgres. Prints a Markdown table and writes it to bench/RESULTS.md.
 * A benchmark, not a test: a missed target is reported, never failed.
 */
import { writeFile } from "node:fs/promises"
import { performance } from "node:perf_hooks"
import * as append from "./append.js"
import * as appendFunction from "./appendFunction.js"
import * as batch from "./batch.js"
import * as catchUp from "./catchUp.js"
import { machine, type Row, revision, type ScenarioResult, table } from "./harness.js"
import * as load from "./load.js"
import * as poll from "./poll.js"
import * as projection from "./projection.js"
import * as saga from "./saga.js"
import * as wire from "./wire.js"

const scenarios: ReadonlyArray<{ readonly name: string; readonly run: () => Promise<ScenarioResult> }> = [
  { name: "single-event appends", run: append.run },
  { name: "100-event appends", run: batch.run },
  { name: "aggregate loads", run: load.run },
  { name: "readAll catch-up", run: catchUp.run },
  { name: "projection catch-up", run: projection.run },
  { name: "saga executions", run: saga.run },
  { name: "idle polls", run: poll.run },
  { name: "append function cost", run: appendFunction.run },
  { name: "wire counts", run: wire.run }
]

const main = async () => {
  const started = performance.now()
  const about = await machine()
  const codeBefore = revision()
  const rows: Array<Row> = []
  const notes: Array<string> = []
  // CELLO_BENCH_ONLY=append,catch runs the scenarios whose names contain one of the words.
  const only = process.env.CELLO_BENCH_ONLY?.split(",").filter((w) => w.length > 0) ?? []
  for (const scenario of scenarios.filter((s) => only.length === 0 || only.some((w) => s.name.includes(w)))) {
    const t = performance.now()
    process.stderr.write(`running ${scenario.name}… `)
    const result = await scenario.run()
    process.stderr.write(`${((performance.now() - t) / 1000).toFixed(1)} s\n`)
    rows.push(...result.rows)
    notes.push(...result.notes)
  }
  const codeAfter = revision()
  if (codeAfter !== codeBefore) notes.push(`WARNING: the code changed during the run (now ${codeAfter}).`)
  const report = [
    "# @cello/store-postgres benchmark",
    "",
    about,
    `- Total run time: ${((performance.now() - started) / 1000).toFixed(0)} s`,
    "",
    "Each side has its own fresh schema and a pool of 10 connections; Cello runs through the `EventStore`",
    "port and `Repository` (one `ManagedRuntime` per scenario; the Cello packages from their built `dist`, as",
    "an app installs them), raw through `pg.Pool.query`. After a warm-up",
    "the sides take turns in short phases (order reversed each round), so background load hits both alike.",
    "Higher is better; a target is met when Cello/raw ≥ target.",
    "",
    table(rows),
    "",
    ...notes.flatMap((note) => [note, ""])
  ].join("\n")
  process.stdout.write(`${report}\n`)
  // A partial run (CELLO_BENCH_ONLY) prints its rows but keeps the last full table.
  if (only.length === 0) await writeFile(new URL("./RESULTS.md", import.meta.url), report)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
