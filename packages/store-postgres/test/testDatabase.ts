/**
 * A database for a test file: its own schema on the real PostgreSQL server (`CELLO_DATABASE_URL`, or
 * the developer default), dropped after the tests.
 */

import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { PgStore, PgStoreConfig } from "../src/index.js"

export const url = process.env.CELLO_DATABASE_URL ?? PgStoreConfig.developmentUrl

export const freshSchema = (label: string): string =>
  `cello_test_${label}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`

/** The store on a fresh schema, dropped when the layer is released. */
export const storeLayer = (label: string, input: Partial<PgStoreConfig.Input> = {}) => {
  const schema = freshSchema(label)
  const dropSchema = Layer.effectDiscard(
    Effect.addFinalizer(() =>
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      ).pipe(Effect.ignore)
    )
  )
  return dropSchema.pipe(Layer.provideMerge(PgStore.layer({ url, schema, poolSize: 10, ...input })))
}
