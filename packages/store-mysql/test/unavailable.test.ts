/**
 * The server goes away and comes back: operations fail with StoreUnavailable naming host and
 * database (never the password), nothing is half-written, a transaction whose connection dies (its
 * COMMIT or ROLLBACK fails too) is a typed failure, never a defect, and the pool recovers. A TCP proxy
 * we control stands between the store and the server, so "the server is down" is real, not mocked.
 */
import { Checkpoint, CheckpointStore, EventStore } from "@cello/eventsourcing"
import { startTcpProxy } from "@cello/tooling/net"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Layer, Option, Schedule, Stream } from "effect"
import { MysqlStore } from "../src/index.js"
import { dropDatabase, freshDatabase, url } from "./testDatabase.js"

const target = new URL(url)

/** The typed failure's tag; None for a success or a defect (which must never happen here). */
const errorTag = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>) =>
  Option.map(Exit.findErrorOption(exit), (e) => e._tag)

const makeProxy = Effect.acquireRelease(
  Effect.promise(() => startTcpProxy(target.hostname, Number(target.port || 3306))),
  (proxy) => Effect.promise(() => proxy.cut())
)

const proxiedStore = Effect.gen(function* () {
  const proxy = yield* makeProxy
  const proxied = `mysql://${target.username || "root"}:${target.password}@127.0.0.1:${proxy.port}${target.pathname}`
  const context = yield* Layer.build(
    dropDatabase.pipe(
      Layer.provideMerge(
        MysqlStore.layer({
          url: proxied,
          database: freshDatabase("unavailable"),
          poolSize: 3,
          connectTimeout: "2 seconds"
        })
      )
    )
  )
  return { proxy, context }
})

describe("MySQL unavailable", () => {
  it.live("a server that is not there fails the layer with StoreUnavailable naming host and database", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Layer.build(
          MysqlStore.layer({ url: "mysql://ann:hunter2@127.0.0.1:1/nowhere", connectTimeout: "2 seconds" })
        )
      )
      assert.strictEqual(error._tag, "StoreUnavailable")
      assert.include(error.message, "127.0.0.1:1/nowhere")
      assert.notInclude(error.message, "hunter2")
      assert.notInclude(error.message, "ann")
    }).pipe(Effect.scoped)
  )

  it.live("a URL that is not mysql:// or mariadb:// is refused naming the schemes", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Layer.build(MysqlStore.layer({ url: "postgres://x@127.0.0.1/db" })))
      assert.strictEqual(error._tag, "StoreUnavailable")
      assert.include(error.message, "mysql:// or mariadb://")
    }).pipe(Effect.scoped)
  )

  it.live("cut mid-use: StoreUnavailable, nothing half-written; restored: the pool recovers", () =>
    Effect.gen(function* () {
      const { proxy, context } = yield* proxiedStore
      const store = yield* Effect.provideContext(EventStore.EventStore, context)
      yield* store.append("s-1", [{ type: "A", data: {} }])
      const live = yield* store.subscribeAll().pipe(Stream.runDrain, Effect.flip, Effect.forkChild)

      yield* Effect.promise(() => proxy.cut())
      // A live subscription ends with the outage (the projection runner resubscribes).
      assert.strictEqual(
        (yield* Fiber.join(live).pipe(Effect.timeout("10 seconds")))._tag,
        "StoreUnavailable"
      )
      const batch = Array.from({ length: 5 }, (_, i) => ({ type: "B", data: { i } }))
      const error = yield* Effect.flip(store.append("s-1", batch, { expectedVersion: 1 }))
      assert.strictEqual(error._tag, "StoreUnavailable")
      if (error._tag === "StoreUnavailable") {
        assert.include(error.message, `127.0.0.1:${proxy.port}${target.pathname}`)
        assert.notInclude(error.message, "s3cret")
      }
      assert.strictEqual((yield* Effect.flip(store.readAll()))._tag, "StoreUnavailable")

      yield* Effect.promise(() => proxy.restore())
      const recovered = yield* store
        .streamVersion("s-1")
        .pipe(Effect.retry({ times: 20, schedule: Schedule.spaced("250 millis") }))
      assert.strictEqual(recovered, 1)
      const after = yield* store.append("s-1", batch, { expectedVersion: 1 })
      assert.strictEqual(after.nextExpectedVersion, 6)
    }).pipe(Effect.scoped)
  )

  it.live(
    "the connection dies inside a transaction: a typed failure (COMMIT or ROLLBACK failing too), never a defect",
    () =>
      Effect.gen(function* () {
        const { proxy, context } = yield* proxiedStore
        const store = yield* Effect.provideContext(EventStore.EventStore, context)
        const checkpoints = yield* Effect.provideContext(CheckpointStore.CheckpointStore, context)
        const cut = Effect.promise(() => proxy.cut())
        const restore = Effect.promise(() => proxy.restore())
        const ping = [{ type: "Ping", data: {} }]

        // The inline step succeeds after the cut: COMMIT fails on the dead connection.
        const commit = yield* Effect.exit(store.append("tx-1", ping, { inline: () => cut }))
        assert.deepStrictEqual(errorTag(commit), Option.some("StoreUnavailable"))
        yield* restore

        // The inline step fails after the cut: the ROLLBACK fails too; the step's own error stands.
        const rollback = yield* Effect.exit(
          store.append("tx-1", ping, {
            inline: () => Effect.andThen(cut, Effect.fail("step failed" as const))
          })
        )
        assert.deepStrictEqual(Option.getOrUndefined(Exit.findErrorOption(rollback)), "step failed")
        yield* restore

        // A statement inside `atomically` on the dead connection.
        const atomic = yield* Effect.exit(
          checkpoints.atomically(Effect.andThen(cut, checkpoints.save("p", Checkpoint.make(0n, 1n))))
        )
        assert.deepStrictEqual(errorTag(atomic), Option.some("StoreUnavailable"))
        yield* restore

        // Nothing of the failed transactions was stored; the store works again.
        const version = yield* store
          .streamVersion("tx-1")
          .pipe(Effect.retry({ times: 20, schedule: Schedule.spaced("250 millis") }))
        assert.strictEqual(version, 0)
        assert.isTrue(Option.isNone(yield* checkpoints.load("p")))
        assert.strictEqual((yield* store.append("tx-1", ping)).nextExpectedVersion, 1)
      }).pipe(Effect.scoped)
  )
})
