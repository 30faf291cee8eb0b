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
const loadedEntries = []
for (const [entry, target] of Object.entries(pkg.exports ?? {})) {
  if (typeof target !== "object" || entry.startsWith("./testing")) continue
  const cjs = require(join(dir, target.require.default))
  const esm = await import(pathToFileURL(join(dir, target.import.default)).href)
  const names = Object.keys(esm).sort().join(",")
  if (Object.keys(cjs).sort().join(",") !== names)
    throw new Error(`${pkg.name}${entry.slice(1)}: CJS and ESM exports differ`)
  loadedEntries.push({ entry, cjs, esm })
  loaded++
}
// A name exported by several entries (a store's root and its per-port entries) is one value, not
// a copy per entry: the same Layer, the same service tag.
const root = loadedEntries.find((e) => e.entry === ".")
for (const { entry, cjs, esm } of loadedEntries) {
  if (root === undefined || entry === ".") continue
  for (const name of Object.keys(esm)) {
    const same = (a, b) => a === b || (typeof a === "object" && Object.keys(a).every((k) => a[k] === b[k]))
    if (name in root.esm && !same(esm[name], root.esm[name]))
      throw new Error(`${pkg.name}${entry.slice(1)}: ${name} (ESM) is not the root entry's`)
    if (name in root.cjs && !same(cjs[name], root.cjs[name]))
      throw new Error(`${pkg.name}${entry.slice(1)}: ${name} (CJS) is not the root entry's`)
  }
}
console.log(`${pkg.name}: ${loaded} entr${loaded === 1 ? "y" : "ies"} load as CJS and ESM`)
