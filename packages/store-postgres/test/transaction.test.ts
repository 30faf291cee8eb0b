/**
 * The store's own transactions (an append with inline steps here) keep every promise of
 * `sql.withTransaction` whichever way they run: the caller's services and settings inside, callbacks
 * after commit, a caller's own transaction joined, and the `sql.transaction` span under the caller's
 * when a tracer records. With Effect's native tracer the store runs the transaction's own work under
 * a small context (see `internal/transaction.ts`); these hold on both paths.
 */
import { EventStore } from "@cello/eventsourcing"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Ref, Tracer } from "effect"
import { SqlClient } from "effect/sql"
import { PgDatabase } from "../src/PgDatabase.js"
import { storeLayer } from "./testDatabase.js"

class Caller extends Context.Service<Caller, { readonly name: string }>()("test/Caller") {}

// Effect's native tracer behind another identity: it records like any tracer an exporter installs.
const recording = Tracer.make({ span: (options) => Tracer.nativeTracer.span(options) })
const tracers = [
  ["Effect's native tracer", Tracer.nativeTracer],
  ["a recording tracer", recording]
] as const

/**
 * Events of a stream, counted in whichever transaction (or none) the caller is in: through the
 * store's own statement path, or through the `SqlClient` an app's code uses.
 */
const count = (streamId: string, through: "store" | "app" = "store") =>
  Effect.gen(function* () {
    const database = yield* PgDatabase
    const text = `SELECT count(*)::int AS n FROM "${database.config.schema}".events WHERE stream_id = $1`
    const rows =
      through === "store"
        ? yield* database.unsafe<{ readonly n: number }>(text, [streamId])
        : yield* database.sql.unsafe<{ readonly n: number }>(text, [streamId])
    return rows[0]?.n ?? -1
  })

/** What every test appends: one event, to a stream of its own. */
const opened = [{ type: "Opened", data: {} }]
let streams = 0
const fresh = (label: string) => `${label}-${streams++}`

layer(storeLayer("transaction"), { excludeTestServices: true })("the store's transactions", (it) => {
  it.effect.each(tracers)(
    "with %s: inline steps see the caller's services and their own writes",
    ([, tracer]) =>
      Effect.gen(function* () {
        const store = yield* EventStore.EventStore
        const sql = yield* SqlClient.SqlClient
        const seen = yield* Ref.make<ReadonlyArray<string>>([])
        const streamId = fresh("inside")
        yield* store
          .append(streamId, opened, {
            inline: () =>
              Effect.gen(function* () {
                const caller = yield* Caller
                // The event just written, visible only inside its transaction.
                const written = [yield* count(streamId, "store"), yield* count(streamId, "app")]
                const level = yield* sql.unsafe<{ readonly level: string }>(
                  "SELECT current_setting('transaction_isolation') AS level"
                )
                yield* Ref.set(seen, [caller.name, ...written.map(String), level[0]?.level ?? ""])
              }).pipe(Effect.orDie)
          })
          .pipe(
            Effect.provideService(Caller, { name: "the caller" }),
            Effect.provideService(SqlClient.BeginTransaction, "BEGIN ISOLATION LEVEL SERIALIZABLE"),
            Effect.provideService(Tracer.Tracer, tracer)
          )
        assert.deepStrictEqual(yield* Ref.get(seen), ["the caller", "1", "1", "serializable"])
      })
  )

  it.effect.each(tracers)("with %s: `sql.afterCommit` inside runs after the commit", ([, tracer]) =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const sql = yield* SqlClient.SqlClient
      const ran = yield* Ref.make<ReadonlyArray<string>>([])
      yield* store
        .append(fresh("after"), opened, {
          inline: () =>
            Effect.andThen(
              sql.afterCommit(Ref.update(ran, (r) => [...r, "after commit"])),
              Ref.update(ran, (r) => [...r, "inline"])
            )
        })
        .pipe(Effect.provideService(Tracer.Tracer, tracer))
      assert.deepStrictEqual(yield* Ref.get(ran), ["inline", "after commit"])
    })
  )

  it.effect.each(tracers)(
    "with %s: an append joins the caller's transaction and rolls back with it",
    ([, tracer]) =>
      Effect.gen(function* () {
        const store = yield* EventStore.EventStore
        const sql = yield* SqlClient.SqlClient
        const streamId = fresh("joined")
        const outcome = yield* sql
          .withTransaction(
            Effect.andThen(
              store.append(streamId, opened, { inline: () => Effect.void }),
              Effect.fail("the caller gives up" as const)
            )
          )
          .pipe(Effect.flip, Effect.provideService(Tracer.Tracer, tracer))
        assert.strictEqual(outcome, "the caller gives up")
        assert.strictEqual(yield* count(streamId), 0)
      })
  )

  it.effect("with a recording tracer, `sql.transaction` is under the caller's span", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const spans: Array<readonly [name: string, parent: string]> = []
      const tracer = Tracer.make({
        span: (options) => {
          const parent =
            options.parent._tag === "Some" && options.parent.value._tag === "Span"
              ? options.parent.value.name
              : ""
          spans.push([options.name, parent])
          return Tracer.nativeTracer.span(options)
        }
      })
      yield* store
        .append(fresh("span"), opened, { inline: () => Effect.void })
        .pipe(Effect.withSpan("caller"), Effect.provideService(Tracer.Tracer, tracer))
      const parentOf = (name: string) => spans.find(([span]) => span === name)?.[1]
      assert.strictEqual(parentOf("sql.transaction"), "EventStore.append")
      assert.strictEqual(parentOf("EventStore.append"), "caller")
    })
  )
})
