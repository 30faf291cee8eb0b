/**
 * The in-process write path on the memory store, one layer at a time, each beside what it is built
 * on, in one run: an `EventStore.append` of one event, a `Repository.handle` that decides one event
 * on a new aggregate, and the same with one inline projection. The floor is an Effect run that does
 * nothing (what every row pays to be an Effect at all). `pnpm bench` in packages/store-memory: it
 * builds the package and runs the built `dist` files. Prints Markdown and writes bench/RESULTS.md. A
 * benchmark, not a test: a missed budget is reported, never failed.
 *
 * `CELLO_BENCH_ROUNDS` and `CELLO_BENCH_ROUND_MS` shorten or lengthen the run.
 */
import { writeFile } from "node:fs/promises"
import os from "node:os"
import { Aggregate, EventStore, Projection, Repository } from "@cello/eventsourcing"
import { MemoryEventStore } from "@cello/store-memory/eventsourcing"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name])
  return Number.isFinite(value) && value > 0 ? value : fallback
}
const rounds = positive("CELLO_BENCH_ROUNDS", 5)
const roundMs = positive("CELLO_BENCH_ROUND_MS", 1_000)

class Opened extends Schema.TaggedClass<Opened>()("Opened", { owner: Schema.String }) {}

const Account = Aggregate.make<{ readonly open: boolean }>()({
  name: "Account",
  initialState: { open: false },
  events: [Opened],
  evolve: { Opened: () => ({ open: true }) }
})

// The inline projection: a count per owner, in a Map (a read model with nothing to wait on).
const owners = new Map<string, number>()
const ByOwner = Projection.make({
  name: "by-owner",
  events: [Opened],
  handlers: {
    Opened: (event) =>
      Effect.sync(() => {
        owners.set(event.owner, (owners.get(event.owner) ?? 0) + 1)
      })
  }
})

let next = 0
const fresh = () => `${process.pid}-${next++}`
const opened = new Opened({ owner: "ann" })
const open = () => Repository.handle(Account, fresh(), () => [opened])
const appendOne = EventStore.EventStore.use((store) =>
  store.append(`Account-${fresh()}`, [{ type: "Opened", data: { _tag: "Opened", owner: "ann" } }], {
    expectedVersion: "no_stream"
  })
)

const loop = <E, R>(n: number, step: () => Effect.Effect<unknown, E, R>): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    for (let i = 0; i < n; i++) yield* step()
  })

interface Row {
  readonly key: string
  readonly label: string
  /** The row it is built on, whose cost it includes. */
  readonly over: string | undefined
  /** The budget this layer may add over `over`, in ns (CPU) per operation. */
  readonly budget: number | undefined
  readonly batch: (n: number) => Promise<void>
}

/** CPU nanoseconds this process has used: a neighbour's load inflates wall time more. */
const cpuNanos = () => {
  const used = process.cpuUsage()
  return (used.user + used.system) * 1000
}

const main = async () => {
  const started = performance.now()
  const loadAtStart = os.loadavg()[0] ?? 0
  // A fresh store per batch: the store's maps stay small, and no round pays for the last one's memory.
  const withStore = <A, E>(effect: Effect.Effect<A, E, EventStore.EventStore>) =>
    Effect.provide(effect, MemoryEventStore.layer)
  const floor = ManagedRuntime.make(Layer.empty)
  const projected = ManagedRuntime.make(Projection.layerInline([ByOwner]))
  const rows: ReadonlyArray<Row> = [
    {
      key: "floor",
      label: "floor: an Effect that does nothing",
      over: undefined,
      budget: undefined,
      batch: (n) => floor.runPromise(loop(n, () => Effect.void))
    },
    {
      key: "append",
      label: "`EventStore.append` of one event (memory store)",
      over: "floor",
      budget: 5_000,
      batch: (n) => floor.runPromise(withStore(loop(n, () => appendOne)))
    },
    {
      key: "handle",
      label: "`Repository.handle`: load, decide and save one event",
      over: "append",
      budget: 5_000,
      batch: (n) => floor.runPromise(withStore(loop(n, open)))
    },
    {
      key: "inline",
      label: "`Repository.handle` with one inline projection",
      over: "handle",
      budget: 2_000,
      batch: (n) => projected.runPromise(withStore(loop(n, open)))
    }
  ]
  const n = 2_000
  for (const row of rows) {
    const warm = performance.now()
    while (performance.now() - warm < 500) await row.batch(n)
  }
  const samples = new Map<string, Array<number>>(rows.map((r) => [r.key, []]))
  for (let round = 0; round < rounds; round++) {
    for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
      let ops = 0
      const wall = performance.now()
      const cpu = cpuNanos()
      while (performance.now() - wall < roundMs) {
        await row.batch(n)
        ops += n
      }
      samples.get(row.key)?.push((cpuNanos() - cpu) / ops)
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`)
  }
  await floor.dispose()
  await projected.dispose()

  const median = (key: string) => {
    const xs = [...(samples.get(key) ?? [])].sort((a, b) => a - b)
    return xs[Math.floor(xs.length / 2)] ?? Number.NaN
  }
  const fmt = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: x < 100 ? 1 : 0 })
  const lines = rows.map((row) => {
    const ns = median(row.key)
    const xs = samples.get(row.key) ?? []
    const base = row.over === undefined ? undefined : median(row.over)
    const own = base === undefined ? undefined : ns - base
    const budget =
      row.budget === undefined || own === undefined
        ? ["—", "—"]
        : [`≤ ${fmt(row.budget)} ns`, own <= row.budget ? "met" : `missed by ${fmt(own - row.budget)} ns`]
    return `| ${row.label} | ${fmt(ns)} | ${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} | ${row.over ?? "—"} | ${own === undefined ? "—" : fmt(own)} | ${budget[0]} | ${budget[1]} |`
  })
  const cpus = os.cpus()
  const report = [
    "# @cello/store-memory write-path benchmark",
    "",
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpus[0]?.model.trim() ?? "unknown"} × ${cpus.length} cores; Node ${process.version}`,
    `- Load average (1 min): ${loadAtStart.toFixed(2)} at the start, ${(os.loadavg()[0] ?? 0).toFixed(2)} at the end (other work on the machine inflates every row)`,
    `- ${rounds} rounds of ${roundMs} ms per row (rows interleaved, order reversed every other round), batches of ${n} on a fresh store; median CPU time (\`process.cpuUsage\`) per operation; ${Math.round((performance.now() - started) / 1000)} s in all`,
    "",
    "Each row includes the one it is built on (column Over); Own is what its layer adds, against the budget.",
    "",
    "| Operation | ns/op | Rounds (min–max) | Over | Own (ns) | Budget (own) | Met |",
    "| --- | ---: | ---: | --- | ---: | --- | --- |",
    ...lines,
    ""
  ].join("\n")
  process.stdout.write(`\n${report}`)
  await writeFile(new URL("./RESULTS.md", import.meta.url), report)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
