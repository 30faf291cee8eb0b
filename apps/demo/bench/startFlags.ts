/**
 * The Node flags of the demo's `start` script (what `pnpm demo` runs), read from its package.json, so
 * the benchmark's demo processes and the tests that start the demo run it as `pnpm demo` does.
 */
import { readFileSync } from "node:fs"

const manifest: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
const scripts =
  typeof manifest === "object" && manifest !== null ? Reflect.get(manifest, "scripts") : undefined
const start = typeof scripts === "object" && scripts !== null ? String(Reflect.get(scripts, "start")) : ""

/** e.g. `["--max-semi-space-size=16"]`: the V8 heap flags before the entry point. */
export const startFlags: ReadonlyArray<string> = start.match(/--max-[a-z-]+=\d+/g) ?? []
