// `pnpm check:install`: installs the packed tarballs as a user would, outside the workspace, with
// plain `npm install` (no flags), for each scenario in scenarios.mjs. Prints what each install
// brought (package count, size) and fails when a store pulls a pattern package nobody asked for,
// when a program does not print what it should (as ESM and as CJS), or on any TypeScript error
// in the installed declarations (strict, skipLibCheck false, NodeNext and bundler resolution).
// Expects the packages built (the root script builds them first).
import { execFileSync } from "node:child_process"
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { scenarios } from "./scenarios.mjs"

const root = new URL("../..", import.meta.url).pathname
const patterns = ["@cello/eventsourcing", "@cello/cqrs", "@cello/saga"]
const minutes = (n) => n * 60_000
const work = mkdtempSync(join(tmpdir(), "cello-install-check-"))
const keep = process.env.CELLO_KEEP_INSTALL_CHECK === "1"

const run = (command, args, cwd, timeout = minutes(3)) =>
  execFileSync(command, args, { cwd, timeout, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })

/** pnpm as the root script was started with (so `workspace:` ranges become versions on pack). */
const pnpm = (args, cwd) => {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by pnpm for the script it runs, not a turbo task
  const execpath = process.env.npm_execpath
  return execpath?.includes("pnpm")
    ? run(process.execPath, [execpath, ...args], cwd)
    : run("npx", ["-y", "pnpm@10.34.9", ...args], cwd)
}

/** Every installed package (directories with a package.json under node_modules, nested too). */
const installed = (dir, found = []) => {
  if (!existsSync(dir)) return found
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".")) continue
    const path = join(dir, name)
    if (name.startsWith("@")) {
      for (const inner of readdirSync(path)) visit(`${name}/${inner}`, join(path, inner), found)
    } else visit(name, path, found)
  }
  return found
}
const visit = (name, path, found) => {
  if (!existsSync(join(path, "package.json"))) return
  found.push({ name, path })
  installed(join(path, "node_modules"), found)
}
const size = (path) => {
  const stat = lstatSync(path)
  if (!stat.isDirectory()) return stat.size
  return readdirSync(path).reduce((sum, name) => sum + size(join(path, name)), 0)
}

const header = (imports, style) =>
  Object.entries(imports)
    .map(([from, names]) =>
      style === "esm"
        ? `import { ${names.join(", ")} } from "${from}"`
        : `const { ${names.join(", ")} } = require("${from}")`
    )
    .join("\n")
const footer = "\nEffect.runPromise(main).then((result) => console.log(JSON.stringify(result)))\n"

const tsconfig = (options, files) =>
  JSON.stringify({
    compilerOptions: {
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      target: "es2022",
      lib: ["es2022", "dom"],
      types: ["node"],
      typeRoots: [join(root, "node_modules/@types")],
      ...options
    },
    files
  })

// 1. Pack every package as it would be published.
const tarballs = join(work, "tarballs")
mkdirSync(tarballs)
const packages = readdirSync(join(root, "packages"))
const tarball = {}
for (const dir of packages) {
  const pkg = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"))
  if (pkg.private) continue
  pnpm(["pack", "--pack-destination", tarballs], join(root, "packages", dir))
  tarball[pkg.name] = join(tarballs, `${pkg.name.replace("@", "").replace("/", "-")}-${pkg.version}.tgz`)
  if (!existsSync(tarball[pkg.name])) throw new Error(`pack of ${pkg.name} wrote no ${tarball[pkg.name]}`)
}
const effectVersion = JSON.parse(readFileSync(join(root, "node_modules/effect/package.json"), "utf8")).version

// 2. One scratch project per scenario.
const tsc = join(root, "node_modules/typescript/bin/tsc")
const failures = []
// CELLO_INSTALL_CHECK_ONLY=<part of a name> runs the matching scenarios only.
const only = process.env.CELLO_INSTALL_CHECK_ONLY
for (const scenario of scenarios.filter((s) => !only || s.name.includes(only))) {
  const started = Date.now()
  const dir = join(work, scenario.name.replace(/[^a-z]+/g, "-"))
  mkdirSync(dir)
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true }))
  // A package of ours from its tarball; a name with its own version as given; else effect's version.
  const specs = scenario.install.map(
    (name) => tarball[name] ?? (name.lastIndexOf("@") > 0 ? name : `${name}@${effectVersion}`)
  )
  const problems = []
  try {
    run("npm", ["install", ...specs], dir, minutes(5))
  } catch (error) {
    failures.push(`${scenario.name}: npm install failed\n${error.stderr ?? error}`)
    continue
  }
  const all = installed(join(dir, "node_modules"))
  for (const name of [...patterns.filter((p) => !scenario.install.includes(p)), ...(scenario.forbid ?? [])]) {
    if (all.some((p) => p.name === name)) problems.push(`installed ${name}, which was not asked for`)
  }

  const body = `${scenario.body}\n${footer}`
  writeFileSync(join(dir, "main.mjs"), `${header(scenario.imports, "esm")}\n${body}`)
  writeFileSync(join(dir, "main.cjs"), `${header(scenario.imports, "cjs")}\n${body}`)
  writeFileSync(join(dir, "main.mts"), `${header(scenario.imports, "esm")}\n${body}`)
  writeFileSync(join(dir, "main.cts"), `${header(scenario.imports, "esm")}\n${body}`)
  const expected = JSON.stringify(scenario.expect)
  for (const file of ["main.mjs", "main.cjs"]) {
    try {
      const out = run(process.execPath, [file], dir, minutes(1)).trim().split("\n").at(-1)
      if (out !== expected) problems.push(`${file} printed ${out}, expected ${expected}`)
    } catch (error) {
      problems.push(
        `${file} failed: ${(error.stderr || String(error)).trim().split("\n").slice(0, 8).join("\n")}`
      )
    }
  }
  writeFileSync(
    join(dir, "tsconfig.nodenext.json"),
    tsconfig({ module: "NodeNext" }, ["main.mts", "main.cts"])
  )
  writeFileSync(
    join(dir, "tsconfig.bundler.json"),
    tsconfig({ module: "ESNext", moduleResolution: "bundler" }, ["main.mts"])
  )
  for (const config of ["tsconfig.nodenext.json", "tsconfig.bundler.json"]) {
    try {
      run(process.execPath, [tsc, "-p", config], dir, minutes(2))
    } catch (error) {
      problems.push(`tsc -p ${config}:\n${(error.stdout || String(error)).trim()}`)
    }
  }
  const mb = (size(join(dir, "node_modules")) / 1e6).toFixed(1)
  const seconds = ((Date.now() - started) / 1000).toFixed(0)
  console.log(
    `${problems.length ? "FAIL" : "ok  "} ${scenario.name}: ${all.length} packages, ${mb} MB (${seconds} s)`
  )
  for (const problem of problems) failures.push(`${scenario.name}: ${problem}`)
}

if (!keep) rmSync(work, { recursive: true, force: true })
else console.log(`scratch projects kept in ${work}`)
if (failures.length) {
  console.error(`\n${failures.join("\n\n")}`)
  process.exit(1)
}
console.log("install check: every scenario installs, runs as ESM and CJS, and type-checks")
