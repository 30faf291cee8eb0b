// Loads a package's built entries as a user would: `require` the CJS files and `import` the ESM files
// (Node 24 resolves `node:` imports and ESM-only dependencies such as `effect` from CJS too).
// The ./testing entries are skipped: they load vitest, which only runs inside a test runner.
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { pathToFileURL } from "node:url"

const dir = process.cwd()
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
const require = createRequire(join(dir, "package.json"))
let loaded = 0
for (const [entry, target] of Object.entries(pkg.exports ?? {})) {
  if (typeof target !== "object" || entry.startsWith("./testing")) continue
  const cjs = require(join(dir, target.require.default))
  const esm = await import(pathToFileURL(join(dir, target.import.default)).href)
  const names = Object.keys(esm).sort().join(",")
  if (Object.keys(cjs).sort().join(",") !== names)
    throw new Error(`${pkg.name}${entry.slice(1)}: CJS and ESM exports differ`)
  loaded++
}
console.log(`${pkg.name}: ${loaded} entr${loaded === 1 ? "y" : "ies"} load as CJS and ESM`)
