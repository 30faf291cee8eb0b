/**
 * The torture test of `@cello/eventsourcing/testing` on PostgreSQL, for 30 seconds
 * (`CELLO_TORTURE_SECONDS`). PostgreSQL numbers events before they commit, so readers meet gaps that
 * later commits fill; shapes it cannot order are refused with typed errors: a two-stream transaction
 * that lost the order race (ConcurrencyError), and a transaction that wrote another table before its
 * first append while newer ones appended (InvalidAppendError, or ConcurrencyError).
 */
import { tortureSuite } from "@cello/eventsourcing/testing"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { mode, storeLayer } from "./testDatabase.js"

tortureSuite("PostgreSQL", storeLayer("torture", { poolSize: 12 }), {
  seconds: Number(process.env.CELLO_TORTURE_SECONDS ?? 30),
  transactions: (prefix) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const side = `${prefix}_side`
      yield* sql.unsafe(`CREATE TABLE ${side} (w int, i int)`)
      return {
        transaction: sql.withTransaction,
        writeOther: (w: number, i: number) => sql.unsafe(`INSERT INTO ${side} VALUES ($1, $2)`, [w, i])
      }
    }),
  // Opposite orders can deadlock, which is refused too, but costs a second of deadlock detection each.
  twoStreamOrder: "sorted",
  refusals: {
    twoStreams: [{ tag: "ConcurrencyError" }],
    writeFirst: [
      { tag: "InvalidAppendError", saying: "wrote before its first append" },
      { tag: "ConcurrencyError" }
    ]
  },
  // PGlite is one session: transactions cannot overlap, so commits stay in order.
  overlap: mode === "postgres" ? "positions" : "none"
})
