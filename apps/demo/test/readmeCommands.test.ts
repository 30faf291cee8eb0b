/**
 * Every command line in every README's ```sh blocks, from a fresh clone: each is run by a test
 * (named here, and checked to exist where a file can say so) or exempt for a stated reason. A new
 * command that matches no rule fails this test until someone says how it is proven. Likewise every
 * ```ts block is, verbatim, an example or test file that the tests compile and run, or a listed
 * fragment with the reason and the test that covers what it shows.
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
    match: /^npx cello-pg saga (list|retry) /,
    how: "store-postgres test/cliSaga.test.ts runs `cello-pg saga list` and `saga retry` against a real schema (sagaCliSuite)",
    check: { file: "packages/store-postgres/test/cliSaga.test.ts", text: 'sagaCliSuite("cello-pg"' }
  },
  {
    match: /^npx cello-mysql (migrate |saga (list|retry) )/,
    how: "store-mysql test/cli.test.ts runs the cello-mysql command line (migrate, saga list/retry, usage, a down server)",
    check: { file: "packages/store-mysql/test/cli.test.ts", text: 'sagaCliSuite("cello-mysql"' }
  },
  {
    match: /^(pnpm add|npm i)( (@cello\/[a-z-]+|@effect\/platform-node-shared|effect))+$/,
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

/**
 * Files a ```ts block may be, verbatim: examples and tests (the package tests compile and run them),
 * and the demo's money schema (its own tests, test/money.test.ts, run it).
 */
const sources = [read("apps/demo/src/money.ts").trim()].concat(
  ["packages", "apps"].flatMap((dir) =>
    readdirSync(new URL(dir, root)).flatMap((name) =>
      ["examples", "test"].flatMap((sub) => {
        try {
          return readdirSync(new URL(`${dir}/${name}/${sub}`, root))
            .filter((file) => file.endsWith(".ts"))
            .map((file) => read(`${dir}/${name}/${sub}/${file}`).trim())
        } catch {
          return []
        }
      })
    )
  )
)

/** Fragments: first line of the block → why it is not a file of its own, and the test that covers it. */
const fragments: Record<string, { readonly why: string; readonly test: string }> = {
  "const placeOrder = Effect.gen(function* () {": {
    why: "a fragment in the world of examples/order.ts (its aggregate, a projection)",
    test: "packages/eventsourcing/test/Consistency.test.ts"
  },
  "const readSide = RedisStore.layer({ url: redisUrl })": {
    why: "composes with @cello/store-postgres, which a store may not import",
    test: "packages/store-redis/test/projection.test.ts"
  },
  'const snapshots = RedisSnapshotCache.layer({ ttl: "10 minutes" }).pipe(': {
    why: "composes with @cello/store-postgres, which a store may not import",
    test: "packages/store-redis/test/snapshotCache.test.ts"
  },
  "PgStore.layer({ url: databaseUrl }).pipe(": {
    why: "composes with @cello/store-postgres, which a store may not import",
    test: "packages/store-redis/test/wakeup.test.ts"
  }
}

const codeBlocks = readmes.flatMap((readme) =>
  Array.from(read(readme).matchAll(/```ts\n([\s\S]*?)```/g), (m) => ({ readme, code: (m[1] ?? "").trim() }))
)

describe("README code", () => {
  it.each(codeBlocks.map((b) => ({ ...b, first: b.code.split("\n")[0] ?? "" })))(
    "$readme: $first",
    ({ code, first }) => {
      if (sources.includes(code)) return
      const fragment = fragments[first]
      expect(fragment, `this block is no example or test file, nor a listed fragment: ${first}`).toBeDefined()
      if (fragment !== undefined) expect(read(fragment.test).length).toBeGreaterThan(0)
    }
  )
})
