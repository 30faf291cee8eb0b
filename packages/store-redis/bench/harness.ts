/**
 * Benchmark plumbing: time-boxed worker loops and the Markdown table. Not a test: it only prints.
 */
import os from "node:os"
import { performance } from "node:perf_hooks"
import { Effect, type ManagedRuntime } from "effect"

/** Runs `step` with `concurrency` fibers for about `ms`; returns operations per second. */
export const throughput = <R, E>(
  runtime: ManagedRuntime.ManagedRuntime<R, unknown>,
  step: (i: number) => Effect.Effect<unknown, E, R>,
  options: { readonly ms: number; readonly concurrency: number }
): Promise<number> =>
  runtime.runPromise(
    Effect.suspend(() => {
      const start = performance.now()
      const end = start + options.ms
      let done = 0
      return Effect.forEach(
        Array.from({ length: options.concurrency }, (_, w) => w),
        (w) =>
          Effect.gen(function* () {
            let i = w
            while (performance.now() < end) {
              yield* step(i)
              i += options.concurrency
              done++
            }
          }),
        { concurrency: "unbounded", discard: true }
      ).pipe(Effect.map(() => done / ((performance.now() - start) / 1000)))
    })
  )

/** Seconds a promise took. */
export const timed = async (f: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await f()
  return (performance.now() - start) / 1000
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })
export const rate = (n: number): string => (n >= 100 ? integer.format(n) : n.toFixed(1))

/** A Markdown table with padded columns (as the repo's formatter writes them). */
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

export const machine = (redisVersion: string, postgresVersion: string): string => {
  const cpus = os.cpus()
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpus[0]?.model ?? "unknown"} × ${cpus.length} cores (${os.platform()} ${os.release()})`,
    `- Node: ${process.version}`,
    `- Redis ${redisVersion} and PostgreSQL ${postgresVersion} on the same host (loopback)`
  ].join("\n")
}
