/**
 * The saga crash test of `@cello/saga/testing` on MySQL / MariaDB: 20 kills (`CELLO_SAGA_KILLS`) of
 * a process running sagas, then two processes recovering at once.
 */

import { fileURLToPath } from "node:url"
import { sagaCrashSuite } from "@cello/saga/testing"
import { bundle, startNode } from "@cello/tooling/process"
import { Effect } from "effect"
import { MysqlDatabase } from "../src/index.js"
import { sagaCrashTables } from "./fixtures/sagaCrashTables.js"
import { storeLayer, url } from "./testDatabase.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))

sagaCrashSuite("MySQL", storeLayer("saga_crash"), {
  kills: Number(process.env.CELLO_SAGA_KILLS ?? 20),
  setup: MysqlDatabase.MysqlDatabase.use((db) =>
    Effect.sync(() => {
      const database = db.config.database
      const runner = bundle(packageDir, "test/fixtures/sagaCrashRunner.ts")
      return {
        tables: sagaCrashTables(database),
        start: (owner, mode) =>
          startNode(runner, packageDir, {
            CELLO_DATABASE_URL: url,
            CELLO_TEST_SCHEMA: database,
            CELLO_TEST_OWNER: owner,
            CELLO_TEST_MODE: mode
          })
      }
    })
  )
})
