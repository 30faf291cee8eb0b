/**
 * The torture test of `@cello/eventsourcing/testing` on MySQL / MariaDB, for 15 seconds
 * (`CELLO_TORTURE_SECONDS`). MySQL numbers events as they commit and orders two-stream transactions
 * in either order, so every shape must commit: nothing may be refused.
 */
import { tortureSuite } from "@cello/eventsourcing/testing"
import { Effect } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "../src/index.js"
import { storeLayer } from "./testDatabase.js"

tortureSuite("MySQL", storeLayer("torture", { poolSize: 12 }), {
  seconds: Number(process.env.CELLO_TORTURE_SECONDS ?? 15),
  transactions: () =>
    MysqlDatabase.MysqlDatabase.use((database) => {
      const side = `\`${database.config.database}\`.side`
      return database.execute(CompiledQuery.raw(`CREATE TABLE ${side} (w INT, i INT) ENGINE=InnoDB`)).pipe(
        Effect.as({
          transaction: database.withTransaction,
          writeOther: (w: number, i: number) =>
            database.execute(CompiledQuery.raw(`INSERT INTO ${side} VALUES (?, ?)`, [w, i]))
        })
      )
    }),
  twoStreamOrder: "either",
  overlap: "starts"
})
