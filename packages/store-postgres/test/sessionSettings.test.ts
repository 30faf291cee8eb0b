/**
 * The README's "Loading long streams": a setting in the URL's `options` reaches the store's sessions,
 * so `random_page_cost` can be set for the store without touching the server.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { PgDatabase } from "../src/index.js"
import { mode, onRealServer, storeLayer, url } from "./testDatabase.js"

const withOptions = (base: string): string => {
  const parsed = new URL(base)
  parsed.searchParams.set("options", "-c random_page_cost=1.1")
  return parsed.toString()
}

layer(storeLayer("session_settings", mode === "postgres" ? { url: withOptions(url) } : {}), {
  excludeTestServices: true
})("session settings from the URL", (it) => {
  it.effect("random_page_cost from ?options= holds on every session the store opens", () =>
    onRealServer(
      "session settings",
      Effect.gen(function* () {
        const database = yield* PgDatabase.PgDatabase
        // More at once than one connection serves: several sessions of the pool answer.
        const answers = yield* Effect.forEach(
          Array.from({ length: 6 }, () => 0),
          () =>
            database.sql<{ readonly random_page_cost: string }>`SHOW random_page_cost`.pipe(
              Effect.map((rows) => rows[0]?.random_page_cost)
            ),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(
          answers,
          Array.from({ length: 6 }, () => "1.1")
        )
      })
    )
  )
})
