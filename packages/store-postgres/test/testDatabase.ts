/**
 * The database of a test file: a fresh schema on the real PostgreSQL server (`CELLO_DATABASE_URL`,
 * or the developer default), dropped after the tests. Where no server answers (or with
 * CELLO_TEST_PGLITE=1), an embedded PGlite database instead, and the run says so.
 */
import { reachable } from "@cello/tooling/net"
import { Effect, Exit, Layer, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { PgEmbedded, PgStore, type PgStoreConfig } from "../src/index.js"

const configured = process.env.CELLO_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/** "postgres" when the tests talk to a real server, "pglite" when they fell back to the embedded one. */
export const mode: "postgres" | "pglite" =
  process.env.CELLO_TEST_PGLITE !== "1" && (await reachable(configured, 5432)) ? "postgres" : "pglite"

const pgliteScope = await Effect.runPromise(Scope.make())
export const url: string =
  mode === "postgres" ? configured : await Effect.runPromise(Scope.provide(PgEmbedded.start(), pgliteScope))
if (mode === "pglite") {
  console.warn(
    `store-postgres tests: ${process.env.CELLO_TEST_PGLITE === "1" ? "CELLO_TEST_PGLITE=1" : `no PostgreSQL at ${new URL(configured).host}`}; using embedded PGlite ` +
      "(one connection; LISTEN/NOTIFY unavailable, subscriptions poll)"
  )
}
afterAll(() => Effect.runPromise(Scope.close(pgliteScope, Exit.void)))

/** Store settings the mode needs: PGlite is a single session. */
export const modeSettings: Partial<PgStoreConfig.Input> =
  mode === "postgres" ? {} : { poolSize: 1, listen: false, pollInterval: "50 millis" }

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
  return dropSchema.pipe(
    Layer.provideMerge(PgStore.layer({ url, schema, poolSize: 10, ...input, ...modeSettings }))
  )
}

/** Runs a test that needs a second session on a real server; under PGlite it says it ran nothing. */
export const onRealServer = <A, E, R>(
  what: string,
  test: Effect.Effect<A, E, R>
): Effect.Effect<void, E, R> =>
  mode === "postgres"
    ? Effect.asVoid(test)
    : Effect.logWarning(`${what} needs a real PostgreSQL server (a second session); ran nothing`)
