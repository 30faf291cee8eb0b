/**
 * Dispatch overhead of a no-op command: `CommandBus.dispatch` (no middleware, the defaults, and each
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

/** The targets (#15): ns per dispatch of the no-op command, no middleware and the defaults. */
const targetNs: Readonly<Record<string, number>> = { none: 250, default: 1_000 }

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
  const target = (r: Result) => {
    const t = targetNs[r.key]
    return t === undefined
      ? ["—", "—"]
      : [`≤ ${ns(t)} ns`, r.ns <= t ? "met" : `missed (${ratio(r.ns / t)} of it)`]
  }

  const summary = table(
    [
      "Variant",
      "ns/dispatch",
      "Rounds (min–max)",
      "Over direct (ns)",
      "× direct",
      "vs Nest",
      "Target",
      "Met"
    ],
    [
      [
        `(a) ${direct.label}`,
        ns(direct.ns),
        spread(direct),
        "0",
        ratio(1),
        ratio(direct.ns / nestBus.ns),
        "—",
        "—"
      ],
      ...[none, def].map((r, i) => [
        `(${i === 0 ? "b" : "c"}) ${r.label}`,
        ns(r.ns),
        spread(r),
        ns(r.ns - direct.ns),
        ratio(r.ns / direct.ns),
        ratio(r.ns / nestBus.ns),
        ...target(r)
      ]),
      [
        `(d) ${nestBus.label}`,
        ns(nestBus.ns),
        spread(nestBus),
        `${ns(nestBus.ns - nestDirect.ns)}*`,
        "—",
        ratio(1),
        "—",
        "—"
      ],
      [
        nestDirect.label,
        ns(nestDirect.ns),
        spread(nestDirect),
        "0*",
        "—",
        ratio(nestDirect.ns / nestBus.ns),
        "—",
        "—"
      ]
    ],
    [false, true, true, true, true, true, false, false]
  )

  const identity = get("identity")
  const singles = cello.singles.map(([name]) => get(`only-${name}`))
  const own = (r: Result) => r.ns - identity.ns
  const sum = singles.reduce((total, r) => total + own(r), 0)
  const breakdown = table(
    ["Middleware alone", "ns/dispatch", "Over no middleware (ns)", "Own (over identity, ns)"],
    [
      ...singles.map((r, i) => [cello.singles[i]?.[0] ?? r.key, ns(r.ns), ns(r.ns - none.ns), ns(own(r))]),
      ["all five (defaults)", ns(def.ns), ns(def.ns - none.ns), ns(own(def))],
      ["sum of the five alone", "", "", ns(sum)],
      ...cello.diagnostics.map(([key, label]) => {
        const r = get(key)
        return [`diagnostic: ${label}`, ns(r.ns), ns(r.ns - none.ns), key === "identity" ? "0" : ns(own(r))]
      })
    ],
    [false, true, true, true]
  )

  const directLazy = get("direct-lazy")
  const lazyTable = table(
    ["Handler effect that has to run (`Effect.sync`)", "ns/dispatch", "Over direct (ns)", "× direct"],
    [
      directLazy,
      get("none-lazy"),
      get("default-lazy"),
      get("query-none-lazy"),
      get("query-default-lazy")
    ].map((r) => [r.label, ns(r.ns), ns(r.ns - directLazy.ns), ratio(r.ns / directLazy.ns)]),
    [false, true, true, true]
  )

  const directAsync = get("direct-async")
  const asyncTable = table(
    ["Handler waiting once (`Effect.promise`)", "ns/dispatch", "Over direct (ns)", "× direct"],
    [directAsync, get("none-async"), get("default-async")].map((r) => [
      r.label,
      ns(r.ns),
      ns(r.ns - directAsync.ns),
      ratio(r.ns / directAsync.ns)
    ]),
    [false, true, true, true]
  )

  const floorTable = table(
    ["Floor (Effect alone, no bus)", "ns/dispatch", "Over direct (ns)"],
    cello.floors.map(([key, label]) => {
      const r = get(key)
      return [label, ns(r.ns), ns(r.ns - (key.endsWith("-lazy") ? directLazy.ns : direct.ns))]
    }),
    [false, true, true]
  )

  const seconds = Math.round((performance.now() - started) / 1000)
  const report = [
    "# @cello/cqrs dispatch benchmark",
    "",
    ...machine(loadAtStart),
    `- Timing: ${timing.warmupMs}–${timing.maxWarmupMs} ms warm-up per variant (until it settles), then ${timing.rounds} rounds of ${timing.roundMs} ms per variant (variants interleaved, order reversed every other round); median of the rounds`,
    `- Total run time: ${seconds} s`,
    "",
    "A no-op `Ping` command (`payload: {}`, `success: Schema.Void`). Times are CPU time per dispatch",
    "(`process.cpuUsage`), which a neighbour's load on a shared machine inflates less than wall time.",
    "The Effect variants each run batches of",
    "dispatches as one `Effect.gen` loop per `ManagedRuntime.runPromise`, so the direct call (a) pays the same",
    "Effect-run cost as the bus and the difference is the bus's own. Nest runs `await bus.execute(new PingCommand())`",
    "in a plain `async` loop after `NestFactory.createApplicationContext` with `CqrsModule.forRoot()`.",
    "Lower is better. Targets (issue #15): no middleware ≤ 250 ns, default middleware ≤ 1,000 ns per dispatch.",
    "Runs the built `dist` (`pnpm bench` builds it first): from source through tsx, esbuild's `keepNames` wraps",
    "each closure in `__name` (an earlier run from source measured about 15% more on these rows).",
    "",
    summary,
    "",
    "\\* Nest rows: over Nest's own direct call (`await handler.execute(new PingCommand())`), not over (a).",
    "",
    "Each default middleware alone on the bus. A chain other than `Middleware.defaults` runs as written: the chain",
    "in a fiber of its own under the command's message context, the handler where the chain runs it (the identity",
    "row: what a chain costs the bus at all); the last column is each middleware's own cost over that. The defaults",
    "themselves run as one step (the bus knows `Middleware.defaults`), so their row is below any one of them alone.",
    "These rows move by 100–200 ns from run to run on a shared machine: small or negative own costs are within that.",
    "",
    breakdown,
    "",
    "The `Ping` handler above returns `Effect.void`, an effect done as it is made (an `Exit`), which the bus only",
    "checks: no context to switch, no fiber, no command id anyone could read. A handler whose effect has to run",
    "(every `Effect.gen` handler's does) runs in a fiber of its own, started under a finalizer, in its layer's",
    "context and the command's message context (with the defaults that fiber is also the timeout's). The same",
    "for a `QueryBus` query (no command id).",
    "",
    lazyTable,
    "",
    "A handler that waits once, as one doing I/O does (for a promise already resolved): the bus's cost then",
    "includes the caller's wait for the handler's fiber.",
    "",
    asyncTable,
    "",
    "What Effect itself costs a bus at the least: a bus reads itself from the fiber's context (one step), runs",
    "a handler effect that has to run in its layer's context: switched to and back in the dispatching fiber (not",
    "what `CommandBus` does: it costs more), or in a fiber of its own, as `CommandBus` does, under a finalizer so",
    "that an interrupted caller never leaves the handler running. No row makes a command id (a UUID v7: `Date.now()` and",
    "about 10 ns), checks a payload or a result, or looks anything up. Over direct: over (a) for the first row,",
    "over the direct call of the `Effect.sync` handler for the others.",
    "",
    floorTable,
    ""
  ].join("\n")
  process.stdout.write(`\n${report}`)
  await writeFile(new URL("./RESULTS.md", import.meta.url), report)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
