/**
 * Preloaded into the demo by the memory row (with `--expose-gc`): on SIGUSR2, a full collection, then
 * `process.memoryUsage()` in MiB written to `BENCH_HEAP_FILE`, so the row can tell the live heap from
 * garbage V8 has not collected yet and from memory outside the heap.
 */
import { writeFileSync } from "node:fs"

const file = process.env.BENCH_HEAP_FILE
const collect: unknown = Reflect.get(globalThis, "gc")

process.on("SIGUSR2", () => {
  const before = process.memoryUsage()
  if (typeof collect === "function") collect()
  const after = process.memoryUsage()
  const mib = (n: number) => Math.round(n / 1048576)
  if (file !== undefined)
    writeFileSync(
      file,
      JSON.stringify({
        heapUsed: mib(before.heapUsed),
        liveHeap: mib(after.heapUsed),
        heapTotal: mib(before.heapTotal)
      })
    )
})
