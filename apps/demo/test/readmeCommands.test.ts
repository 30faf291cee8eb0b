/**
 * Every command line in every README's ```sh blocks, from a fresh clone: each is run by a test
 * (named here, and checked to exist where a file can say so) or exempt for a stated reason. A new
 * command that matches no rule fails this test until someone says how it is proven.
 */
import { readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const root = new URL("../../../", import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), "utf8")
const readmes = [
  "README.md",
  ...["packages", "apps"].flatMap((dir) =>
    readdirSync(new URL(dir, root)).map((name) => `${dir}/${name}/README.md`)
  )
].filter((path) => {
  try {
    read(path)
    return true
  } catch {
    return false
  }
})

/** Command lines: continuation lines joined, comments and `# →` answers dropped. */
const commands = readmes.flatMap((readme) =>
  Array.from(read(readme).matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g), (m) => m[1] ?? "")
    .flatMap((block) => block.replace(/\\\n\s*/g, " ").split("\n"))
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"))
    .map((line) => ({ readme, line }))
)

interface Rule {
  readonly match: RegExp
  /** How the line is proven, or why it is exempt. */
  readonly how: string
  /** A file that must contain `text` for `how` to hold. */
  readonly check?: { readonly file: string; readonly text: string }
}

const rules: ReadonlyArray<Rule> = [
  {
    match: /^npx -y pnpm@10\.34\.9 install && npx -y pnpm@10\.34\.9 test$/,
    how: ".ci/run runs it verbatim on a fresh clone",
    check: { file: ".ci/run", text: "npx -y pnpm@10.34.9 install && npx -y pnpm@10.34.9 test" }
  },
  {
    match: /^(npx -y pnpm@10\.34\.9 install && npx -y pnpm@10\.34\.9 demo|([A-Z_]+=\S+\s+)*pnpm demo)$/,
    how: "the demo tests start its `start` script with these variables (memory, postgres, embedded, redis, instances)",
    check: { file: "apps/demo/test/support/demo.ts", text: '"--conditions=@cello/source", "src/main.ts"' }
  },
  {
    match: /^curl /,
    how: "apps/demo/test/readme.test.ts runs every curl against the demo and checks its status",
    check: { file: "apps/demo/test/readme.test.ts", text: 'line.startsWith("curl ")' }
  },
  {
    match: /^npx cello-pg migrate /,
    how: "store-postgres test/migrations.test.ts runs the cello-pg command line (migrate, usage, a down server)",
    check: { file: "packages/store-postgres/test/migrations.test.ts", text: 'cli("migrate"' }
  },
  {
    match: /^(pnpm add|npm i) (@cello\/[a-z-]+ |@effect\/platform-node-shared )+effect$/,
    how:
      "exempt: installs from the npm registry, where the packages are not published yet; `pnpm check:install` " +
      "makes the same installs from the packed tarballs with plain npm and runs a program in each",
    check: { file: "package.json", text: '"check:install"' }
  }
]

describe("README commands", () => {
  it("finds the command lines", () => {
    expect(commands.length).toBeGreaterThan(10)
  })

  it.each(commands)("$readme: $line", ({ line }) => {
    const rule = rules.find((r) => r.match.test(line))
    expect(rule, `no rule says how "${line}" is proven: add one to this file`).toBeDefined()
    if (rule?.check !== undefined) expect(read(rule.check.file)).toContain(rule.check.text)
  })
})
