/**
 * Two transactions that lock a row and the position counter in opposite orders deadlock; InnoDB undoes
 * one of them whole. Its append (or its step) answers a ConcurrencyError saying to retry, and nothing
 * it does afterwards in that transaction runs: it is not silently carried on in autocommit.
 */
import { EventStore } from "@cello/eventsourcing"
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "../src/index.js"
import { storeLayer } from "./testDatabase.js"

layer(storeLayer("deadlock"), { excludeTestServices: true })("MySQL deadlock", (it) => {
  it.effect("the undone transaction answers ConcurrencyError and runs nothing more", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const database = yield* MysqlDatabase.MysqlDatabase
      const side = `\`${database.config.database}\`.side`
      const sql = (text: string, parameters: ReadonlyArray<unknown> = []) =>
        database.execute(CompiledQuery.raw(text, [...parameters]))
      yield* sql(`CREATE TABLE ${side} (id INT PRIMARY KEY, n INT) ENGINE=InnoDB`)
      yield* sql(`INSERT INTO ${side} VALUES (1, 0)`)
      const appending = yield* Deferred.make<void>()
      const rowLocked = yield* Deferred.make<void>()
      const id = crypto.randomUUID()

      // After its append, each transaction tries one more write (id 10 or 20).
      const seen = new Map<string, { readonly _tag: string; readonly message: string }>()
      const remember =
        (name: string) =>
        <A, E extends { readonly _tag: string; readonly message: string }, R>(
          append: Effect.Effect<A, E, R>
        ) =>
          Effect.tapError(append, (e) => Effect.sync(() => seen.set(name, e)))
      const afterwards = (n: number) => Effect.ignore(sql(`INSERT INTO ${side} VALUES (?, 0)`, [n]))
      // A: holds the counter (in its append's inline step), then wants the row.
      const a = yield* database
        .withTransaction(
          Effect.gen(function* () {
            const appended = yield* Effect.result(
              remember("a")(
                store.append(`a-${id}`, [{ type: "A", data: {} }], {
                  inline: () =>
                    Effect.gen(function* () {
                      yield* Deferred.succeed(appending, undefined)
                      yield* Deferred.await(rowLocked)
                      yield* Effect.sleep("100 millis")
                      yield* sql(`UPDATE ${side} SET n = n + 1 WHERE id = 1`)
                    })
                })
              )
            )
            yield* afterwards(10)
            return appended
          })
        )
        .pipe(Effect.result, Effect.forkChild)
      yield* Deferred.await(appending)
      // B: holds the row, then appends (wants the counter).
      const b = yield* database
        .withTransaction(
          Effect.gen(function* () {
            yield* sql(`UPDATE ${side} SET n = n + 1 WHERE id = 1`)
            yield* Deferred.succeed(rowLocked, undefined)
            const appended = yield* Effect.result(
              remember("b")(store.append(`b-${id}`, [{ type: "B", data: {} }]))
            )
            yield* afterwards(20)
            return appended
          })
        )
        .pipe(Effect.result, Effect.forkChild)
      const [ta, tb] = [yield* Fiber.join(a), yield* Fiber.join(b)]
      // Exactly one transaction was undone: it fails, typed, with the deadlock (never a defect)...
      assert.strictEqual([ta, tb].filter((t) => t._tag === "Failure").length, 1)
      const victimIsA = ta._tag === "Failure"
      const victim = victimIsA ? ta : tb
      const survivor = victimIsA ? tb : ta
      assert.strictEqual(victim._tag === "Failure" ? victim.failure.errno : 0, 1213)
      // ...and its append answered a ConcurrencyError saying to retry; the survivor's append went through.
      assert.strictEqual(survivor._tag === "Success" ? survivor.success._tag : "", "Success")
      const answer = seen.get(victimIsA ? "a" : "b")
      assert.strictEqual(answer?._tag, "ConcurrencyError")
      assert.include(String(answer?.message), "deadlock")
      const rows = yield* database.run<{ readonly id: number }>(
        CompiledQuery.raw(`SELECT id FROM ${side} ORDER BY id`)
      )
      // The survivor's extra write committed; the victim's never ran.
      assert.deepStrictEqual(
        rows.map((r) => Number(r.id)),
        victimIsA ? [1, 20] : [1, 10]
      )
      assert.strictEqual(yield* store.streamVersion(victimIsA ? `a-${id}` : `b-${id}`), 0)
    })
  )
})
