/**
 * The saga crash test of `@cello/saga/testing` on PostgreSQL: 50 kills (`CELLO_SAGA_KILLS`) of a
 * process running sagas, then two processes recovering at once.
 */

import { fileURLToPath } from "node:url"
import { sagaCrashSuite } from "@cello/saga/testing"
import { bundle, startNode } from "@cello/tooling/process"
import { Effect } from "effect"
import { PgDatabase } from "../src/index.js"
import { sagaCrashTables } from "./fixtures/sagaCrashTables.js"
import { mode, storeLayer, url } from "./testDatabase.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

sagaCrashSuite("PostgreSQL", storeLayer("saga_crash"), {
  kills: Number(process.env.CELLO_SAGA_KILLS ?? 50),
  setup: PgDatabase.PgDatabase.use(({ config }) =>
    Effect.sync(() => {
      const runner = bundle(packageDir, "test/fixtures/sagaCrashRunner.ts")
      return {
        tables: sagaCrashTables(config.schema),
        start: (owner, runMode) =>
          startNode(runner, packageDir, {
            CELLO_DATABASE_URL: url,
            CELLO_TEST_SCHEMA: config.schema,
            CELLO_TEST_OWNER: owner,
            CELLO_TEST_MODE: runMode
          })
      }
    })
  ),
  // PGlite serves one connection: several processes cannot share it.
  cannotRun:
    mode === "postgres" ? undefined : "it needs a real PostgreSQL server (PGlite is single-connection)"
})
