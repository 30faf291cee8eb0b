/**
 * Dispatch overhead of a no-op command: `CommandBus.dispatch` (default middleware, none, and each
 * default middleware alone) against a direct call of the handler effect and against @nestjs/cqrs's
 * `CommandBus.execute`, in one run on one machine. `pnpm bench` in packages/cqrs. Prints Markdown and
 * writes it to bench/RESULTS.md. A benchmark, not a test: a missed target is reported, never failed.
 *
 * `CELLO_BENCH_ROUNDS` and `CELLO_BENCH_ROUND_MS` shorten or lengthen the run.
 */
import { writeFile } from "node:fs/promises"
import { performance } from "node:perf_hooks"
import * as cello from "./cello.js"
import { load, machine, ns, type Result, ratio, run, type Timing, table } from "./harness.js"
import * as nest from "./nest.js"

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name])
  return Number.isFinite(value) && value > 0 ? value : fallback
}

const timing: Timing = {
  warmupMs: 500,
  maxWarmupMs: 1_500,
  roundMs: positive("CELLO_BENCH_ROUND_MS", 1_000),
  rounds: positive("CELLO_BENCH_ROUNDS", 3),
  batchMs: 20
}

/** The targets for the default-middleware dispatch. */
const maxOverheadNs = 2_000

const main = async () => {
  const started = performance.now()
  const loadAtStart = load()
  const celloSide = await cello.make()
  const nestSide = await nest.make()
  const results = await run([...celloSide.variants, ...nestSide.variants], timing, (line) =>
    process.stderr.write(`${line}\n`)
  )
  await celloSide.dispose()
  await nestSide.dispose()

  const byKey = new Map(results.map((r) => [r.key, r]))
  const get = (key: string): Result => {
    const r = byKey.get(key)
    if (r === undefined) throw new Error(`no result for ${key}`)
    return r
  }
  const direct = get("direct")
  const none = get("none")
  const def = get("default")
  const nestBus = get("nest")
  const nestDirect = get("nest-direct")
  const spread = (r: Result) => `${ns(r.min)}–${ns(r.max)}`
  const overTarget = (r: Result) => {
    const over = r.ns - direct.ns
    return over <= maxOverheadNs ? "met" : `missed by ${ns(over - maxOverheadNs)} ns`
  }
  const nestTarget = (r: Result) => (r.ns < nestBus.ns ? "met" : `missed (${ratio(r.ns / nestBus.ns)})`)

  const summary = table(
    [
      "Variant",
      "ns/dispatch",
      "Rounds (min–max)",
      "Over direct (ns)",
      "vs Nest",
      "≤ 2000 ns over direct",
      "Faster than Nest"
    ],
    [
      [`(a) ${direct.label}`, ns(direct.ns), spread(direct), "0", ratio(direct.ns / nestBus.ns), "—", "—"],
      ...[def, none].map((r, i) => [
        `(${i === 0 ? "b" : "c"}) ${r.label}`,
        ns(r.ns),
        spread(r),
        ns(r.ns - direct.ns),
        ratio(r.ns / nestBus.ns),
        overTarget(r),
        nestTarget(r)
      ]),
      [
        `(d) ${nestBus.label}`,
        ns(nestBus.ns),
        spread(nestBus),
        `${ns(nestBus.ns - nestDirect.ns)}*`,
        ratio(1),
        "—",
        "—"
      ],
      [
        nestDirect.label,
        ns(nestDirect.ns),
        spread(nestDirect),
        "0*",
        ratio(nestDirect.ns / nestBus.ns),
        "—",
        "—"
      ]
    ],
    [false, true, true, true, true, false, false]
  )

  const defaultCost = def.ns - none.ns
  const singles = cello.singles.map(([name]) => get(`only-${name}`))
  const sum = singles.reduce((s, r) => s + (r.ns - none.ns), 0)
  const breakdown = table(
    ["Middleware alone", "ns/dispatch", "Over no middleware (ns)", "Share of default's cost"],
    [
      ...singles.map((r, i) => [
        cello.singles[i]?.[0] ?? r.key,
        ns(r.ns),
        ns(r.ns - none.ns),
        `${Math.round(((r.ns - none.ns) / defaultCost) * 100)}%`
      ]),
      ["sum of the five alone", "", ns(sum), `${Math.round((sum / defaultCost) * 100)}%`],
      ["all five (defaults)", ns(def.ns), ns(defaultCost), "100%"],
      ...cello.diagnostics.map(([key, label]) => {
        const r = get(key)
        return [`diagnostic: ${label}`, ns(r.ns), ns(r.ns - none.ns), "—"]
      })
    ],
    [false, true, true, true]
  )

  const seconds = Math.round((performance.now() - started) / 1000)
  const report = [
    "# @cello/cqrs dispatch benchmark",
    "",
    ...machine(loadAtStart),
    `- Timing: ${timing.warmupMs}–${timing.maxWarmupMs} ms warm-up per variant (until it settles), then ${timing.rounds} rounds of ${timing.roundMs} ms per variant (variants interleaved, order reversed every other round); median of the rounds`,
    `- Total run time: ${seconds} s`,
    "",
    "A no-op `Ping` command (`payload: {}`, `success: Schema.Void`). The Effect variants each run batches of",
    "dispatches as one `Effect.gen` loop per `ManagedRuntime.runPromise`, so the direct call (a) pays the same",
    "Effect-run cost as the bus and the difference is the bus's own. Nest runs `await bus.execute(new PingCommand())`",
    "in a plain `async` loop after `NestFactory.createApplicationContext` with `CqrsModule.forRoot()`.",
    "Lower is better. Targets (issue): default-middleware dispatch ≤ 2000 ns over the direct call, and faster than Nest.",
    "Runs from source through tsx (`--conditions=@cello/source`); esbuild's `keepNames` wraps each closure the",
    "middleware creates per dispatch in `__name`, a few per cent the built `dist` does not pay.",
    "",
    summary,
    "",
    "\\* Nest rows: over Nest's own direct call (`await handler.execute(new PingCommand())`), not over (a).",
    "",
    "Where the default middleware's time goes: each default middleware alone on the bus, against no middleware.",
    "Each row includes the bus's own per-middleware cost (the identity row), paid five times by the defaults.",
    "",
    breakdown,
    ""
  ].join("\n")
  process.stdout.write(`\n${report}`)
  await writeFile(new URL("./RESULTS.md", import.meta.url), report)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
