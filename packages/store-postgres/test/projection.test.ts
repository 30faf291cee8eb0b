/**
 * Async projections with the read model in PostgreSQL: the read-model rows and the checkpoint commit
 * in one transaction, so a failure mid-page leaves neither half-applied, and nothing is applied twice.
 * A projection that writes nothing into the database (`transactional: false`) is checkpointed without
 * the transaction, and still resumes after the last event it applied.
 */
import { CheckpointStore, EventStore, Projection, ProjectionRunner } from "@cello/eventsourcing"
import { visible } from "@cello/eventsourcing/testing"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { storeLayer } from "./testDatabase.js"

class Credited extends Schema.TaggedClass<Credited>()("Credited", {
  account: Schema.String,
  amount: Schema.Int
}) {}

const balances = (table: string, failOn?: number) =>
  Projection.make({
    name: `balances-${table}`,
    events: [Credited],
    handlers: {
      Credited: (e) =>
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe(
            `INSERT INTO ${table} (account, balance) VALUES ($1, $2)
             ON CONFLICT (account) DO UPDATE SET balance = ${table}.balance + excluded.balance`,
            [e.account, e.amount]
          )
          if (e.amount === failOn) return yield* Effect.fail(`refusing ${e.amount}`)
        })
    }
  })

const credits = (amounts: ReadonlyArray<number>) =>
  EventStore.append(
    `acct-${Math.random()}`,
    amounts.map((amount) => ({ type: "Credited", data: { account: "a", amount } }))
  )

layer(storeLayer("projection"), { excludeTestServices: true })("PostgreSQL read model", (it) => {
  describe("ProjectionRunner with an atomic checkpoint store", () => {
    it.effect("a failure mid-page rolls back the page, then commits the events before the failing one", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const table = `rm_${Date.now().toString(36)}`
        yield* sql.unsafe(`CREATE TABLE ${table} (account text primary key, balance int not null)`)
        const checkpoints = yield* CheckpointStore.CheckpointStore
        assert.isTrue(checkpoints.atomic)
        yield* visible((yield* credits([1, 2, 4, 8])).checkpoint)
        const error = yield* Effect.flip(ProjectionRunner.catchUp(balances(table, 4)))
        assert.strictEqual(error._tag, "ProjectionError")
        // 1 and 2 applied exactly once (the page was undone, then its prefix re-committed); 4 was not.
        const rows = yield* sql.unsafe<{ balance: number }>(`SELECT balance FROM ${table}`)
        assert.deepStrictEqual(
          rows.map((r) => r.balance),
          [3]
        )
        const status = yield* ProjectionRunner.status(`balances-${table}`)
        assert.strictEqual(status.behind, 2)
        // Fixed: resumes at 4, never skipping it, never re-applying 1 and 2.
        yield* ProjectionRunner.catchUp(balances(table))
        const after = yield* sql.unsafe<{ balance: number }>(`SELECT balance FROM ${table}`)
        assert.deepStrictEqual(
          after.map((r) => r.balance),
          [15]
        )
        assert.isTrue(Option.isSome(yield* checkpoints.load(`balances-${table}`)))
      })
    )
  })

  describe("ProjectionRunner with a projection outside the database (transactional: false)", () => {
    it.effect(
      "a failure mid-page keeps the events before it and their checkpoint; the rerun resumes at the failing one",
      () =>
        Effect.gen(function* () {
          const name = `totals-${Date.now().toString(36)}`
          const applied: Array<number> = []
          const totals = (failOn?: number) =>
            Projection.make({
              name,
              transactional: false,
              events: [Credited],
              handlers: {
                Credited: (e) =>
                  e.amount === failOn
                    ? Effect.fail(`refusing ${e.amount}`)
                    : Effect.sync(() => {
                        applied.push(e.amount)
                      })
              }
            })
          const checkpoints = yield* CheckpointStore.CheckpointStore
          yield* checkpoints.reset(name)
          // Past the events earlier tests appended.
          yield* ProjectionRunner.catchUp(totals())
          applied.length = 0
          yield* visible((yield* credits([1, 2, 4, 8])).checkpoint)
          const error = yield* Effect.flip(ProjectionRunner.catchUp(totals(4)))
          assert.strictEqual(error._tag, "ProjectionError")
          assert.deepStrictEqual(applied, [1, 2])
          assert.strictEqual((yield* ProjectionRunner.status(name)).behind, 2)
          const rerun = yield* ProjectionRunner.catchUp(totals())
          assert.deepStrictEqual(applied, [1, 2, 4, 8])
          assert.strictEqual(rerun.processed, 2)
          assert.strictEqual(rerun.behind, 0)
        })
    )
  })
})
