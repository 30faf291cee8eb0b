/**
 * `MysqlDatabase.withTransaction`: appends and the app's own statements in it commit together; a
 * nested call is a savepoint, so a failed append inside (its inline step failed, and the caller went
 * on) is undone alone while the rest commits; a failed transaction leaves nothing.
 */
import { EventStore } from "@cello/eventsourcing"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "../src/index.js"
import { storeLayer } from "./testDatabase.js"

const ping = [{ type: "Ping", data: {} }]

layer(storeLayer("transactions"), { excludeTestServices: true })("MySQL transactions", (it) => {
  it.effect("a failed append inside a transaction is undone alone (a savepoint); the rest commits", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const database = yield* MysqlDatabase.MysqlDatabase
      const side = `\`${database.config.database}\`.notes`
      yield* database.execute(CompiledQuery.raw(`CREATE TABLE ${side} (note VARCHAR(32)) ENGINE=InnoDB`))
      const id = crypto.randomUUID()
      const inside = yield* database.withTransaction(
        Effect.gen(function* () {
          const inTransaction = yield* database.inTransaction
          yield* store.append(`kept-${id}`, ping)
          yield* database.execute(CompiledQuery.raw(`INSERT INTO ${side} VALUES ('kept')`))
          const failed = yield* Effect.flip(
            store.append(`undone-${id}`, ping, { inline: () => Effect.fail("step failed" as const) })
          )
          yield* store.append(`kept-${id}`, ping)
          return { inTransaction, failed }
        })
      )
      assert.isTrue(inside.inTransaction)
      assert.strictEqual(inside.failed, "step failed")
      assert.strictEqual(yield* store.streamVersion(`kept-${id}`), 2)
      assert.strictEqual(yield* store.streamVersion(`undone-${id}`), 0)
      assert.isFalse(yield* database.inTransaction)

      // A transaction that fails leaves none of its appends or rows.
      const error = yield* Effect.flip(
        database.withTransaction(
          Effect.gen(function* () {
            yield* store.append(`gone-${id}`, ping)
            yield* database.execute(CompiledQuery.raw(`INSERT INTO ${side} VALUES ('gone')`))
            return yield* Effect.fail("abort" as const)
          })
        )
      )
      assert.strictEqual(error, "abort")
      assert.strictEqual(yield* store.streamVersion(`gone-${id}`), 0)
      const notes = yield* database.run<{ readonly note: string }>(
        CompiledQuery.raw(`SELECT note FROM ${side}`)
      )
      assert.deepStrictEqual(
        notes.map((n) => n.note),
        ["kept"]
      )
    })
  )
})
