/**
 * `pnpm bench`: each scenario through Cello and through raw `mysql2` doing the same work in the same
 * run, the sides taking turns in short phases after a warm-up, printed as a Markdown table of
 * Cello/raw ratios against the targets. `CELLO_BENCH_SCALE` (1) scales the measured time;
 * `CELLO_BENCH_ONLY=append,catchUp,load` runs some scenarios.
 */
import * as append from "./append.js"
import * as catchUp from "./catchUp.js"
import { machine, rawPool, type ScenarioResult, table } from "./harness.js"
import * as load from "./load.js"

const scenarios: ReadonlyArray<readonly [string, () => Promise<ScenarioResult>]> = [
  ["append", append.run],
  ["catchUp", catchUp.run],
  ["load", load.run]
]
const only = process.env.CELLO_BENCH_ONLY?.split(",")

const main = async () => {
  const pool = rawPool()
  const header = await machine(pool)
  await pool.end()
  const started = performance.now()
  const results: Array<ScenarioResult> = []
  for (const [name, run] of scenarios) {
    if (only !== undefined && !only.includes(name)) continue
    console.error(`running ${name}…`)
    results.push(await run())
  }
  console.log(`# @cello/store-mysql benchmark\n\n${header}`)
  console.log(`- Total run time: ${Math.round((performance.now() - started) / 1000)} s\n`)
  console.log(table(results.flatMap((r) => r.rows)))
  for (const note of results.flatMap((r) => r.notes)) console.log(`\n${note}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
