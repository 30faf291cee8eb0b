/**
 * MySQL goes away and comes back: the outage suite of `@cello/eventsourcing/testing`, and here a
 * transaction whose connection dies (its COMMIT or ROLLBACK fails too) is a typed failure, never a
 * defect. A TCP proxy we control stands between the store and the server, so "the server is down" is
 * real, not mocked.
 */
import { Checkpoint, CheckpointStore, EventStore } from "@cello/eventsourcing"
import { unavailableSuite } from "@cello/eventsourcing/testing"
import { startTcpProxy } from "@cello/tooling/net"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Schedule } from "effect"
import { MysqlStore } from "../src/index.js"
import { storeLayer, url } from "./testDatabase.js"

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
    storeLayer("unavailable", { url: proxied, poolSize: 3, connectTimeout: "2 seconds" })
  )
  return { proxy, context }
})

unavailableSuite("MySQL", {
  scheme: "mysql",
  layer: (proxied) => storeLayer("unavailable", { url: proxied, poolSize: 3, connectTimeout: "2 seconds" }),
  server: target,
  defaultPort: 3306,
  password: target.password,
  startProxy: startTcpProxy
})

describe("MySQL: a refused URL, a connection dying in a transaction", () => {
  it.live("a URL that is not mysql:// or mariadb:// is refused naming the schemes", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Layer.build(MysqlStore.layer({ url: "postgres://x@127.0.0.1/db" })))
      assert.strictEqual(error._tag, "StoreUnavailable")
      assert.include(error.message, "mysql:// or mariadb://")
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
