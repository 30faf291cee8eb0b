/** `cello-pg saga list|retry`, as an operator runs them: the suite of `@cello/saga/testing`. */
import { fileURLToPath } from "node:url"
import { sagaCliSuite } from "@cello/saga/testing"
import { runTs } from "@cello/tooling/process"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { PgStore } from "../src/index.js"
import { freshSchema, modeSettings, url } from "./testDatabase.js"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const schema = freshSchema("cli_saga")

const dropSchema = Layer.effectDiscard(
  Effect.addFinalizer(() =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    ).pipe(Effect.ignore)
  )
)
const store = dropSchema.pipe(
  Layer.provideMerge(PgStore.layer({ url, schema, poolSize: 2, ...modeSettings }))
)

sagaCliSuite("cello-pg", store, (...args) =>
  runTs(packageDir, "src/cli.ts", [...args, "--url", url, "--schema", schema])
)
