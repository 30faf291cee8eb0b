// Shared vitest settings: tests resolve workspace packages to their TypeScript sources
// (the "@cello/source" export condition), so `pnpm test` needs no build first.
import { defineConfig } from "vitest/config"

const conditions = ["@cello/source", "import", "module", "node", "default"]

/** @param {{ testTimeout?: number }} [options] */
export const packageTest = (options = {}) =>
  defineConfig({
    // One vitest for the runner and for the conformance suites that other packages import: two
    // copies (pnpm can install one per peer set) would register tests with the wrong runner.
    resolve: { conditions, dedupe: ["vitest", "@effect/vitest"] },
    ssr: { resolve: { conditions, externalConditions: ["@cello/source"] } },
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      // `*.types.test.ts` files are type-checked by tsc (an unmet @ts-expect-error fails the test).
      typecheck: { enabled: true, include: ["**/*.types.test.ts"], tsconfig: "./tsconfig.json" },
      // Only there to end a hung test: CI runs every package's tests at once on 2 cores, where a test
      // that takes 5 s alone (a command line spawned four times) has taken over a minute.
      testTimeout: options.testTimeout ?? 120_000,
      hookTimeout: 120_000
    }
  })
