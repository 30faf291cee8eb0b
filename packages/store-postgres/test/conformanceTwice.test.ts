/**
 * The conformance suites run on a store that already holds data: each suite twice in a row against
 * one schema, as a user re-running them on one database would. Both runs must pass.
 */
import { conformance as cqrsConformance } from "@cello/cqrs/testing"
import { conformance } from "@cello/eventsourcing/testing"
import { sagaStoreSuite } from "@cello/saga/testing"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { PgStore } from "../src/index.js"
import { freshSchema, modeSettings, url } from "./testDatabase.js"

const schema = freshSchema("twice")
const onSchema = PgStore.layer({ url, schema, poolSize: 4, ...modeSettings })

for (const run of ["first run", "second run"]) {
  conformance(`postgres, one schema, ${run}`, onSchema, { writers: 4 })
  cqrsConformance(`postgres, one schema, ${run}`, onSchema)
  sagaStoreSuite(`postgres, one schema, ${run}`, onSchema)
}

afterAll(() =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    ).pipe(Effect.provide(onSchema), Effect.ignore)
  )
)
