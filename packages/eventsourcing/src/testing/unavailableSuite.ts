/**
 * A SQL store's server goes away and comes back: operations fail with `StoreUnavailable` naming host
 * and database (never the password), nothing is half-written, live subscriptions end with the
 * outage, and the pool recovers. A TCP proxy the test controls stands between the store and the
 * server, so "the server is down" is real, not mocked.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Predicate, Schedule, Stream } from "effect"
import { EventStore, readStreamPayloadsOf } from "../EventStore.js"

/** A TCP proxy to the server that the test can cut (closing every connection) and restore. */
export interface ServerProxy {
  /** Its port on 127.0.0.1. */
  readonly port: number
  readonly cut: () => Promise<void>
  readonly restore: () => Promise<void>
}

export interface UnavailableOptions<E> {
  /** The scheme of the store's URLs, `postgres` or `mysql`. */
  readonly scheme: string
  /**
   * The store on `url`, on a schema (or database) of its own that it drops when released, with a
   * short connect timeout.
   */
  readonly layer: (url: string) => Layer.Layer<EventStore, E>
  /** The real server: its URL (user, host, port, database). */
  readonly server: URL
  /** Its default port, for a URL that names none. */
  readonly defaultPort: number
  /**
   * A password the server accepts for the URL's user (one of its own where the server ignores
   * passwords, so the test sees it is never shown); empty for a user without one.
   */
  readonly password: string
  /** Starts a proxy to `host:port`. */
  readonly startProxy: (host: string, port: number) => Promise<ServerProxy>
}

export const unavailableSuite = <E>(name: string, options: UnavailableOptions<E>): void => {
  const { server } = options
  const proxy = Effect.acquireRelease(
    Effect.promise(() => options.startProxy(server.hostname, Number(server.port || options.defaultPort))),
    (started) => Effect.promise(() => started.cut())
  )

  describe(`${name} unavailable`, () => {
    it.live("a server that is not there fails the layer with StoreUnavailable naming host and database", () =>
      Effect.gen(function* () {
        const layer = options.layer(`${options.scheme}://ann:hunter2@127.0.0.1:1/nowhere`)
        const error = yield* Effect.flip(Layer.build(layer))
        assert.isTrue(Predicate.isTagged(error, "StoreUnavailable"), String(error))
        const message = error instanceof Error ? error.message : String(error)
        assert.include(message, "127.0.0.1:1/nowhere")
        assert.notInclude(message, "hunter2")
        assert.notInclude(message, "ann")
      }).pipe(Effect.scoped)
    )

    it.live("cut mid-use: StoreUnavailable, nothing half-written; restored: the pool recovers", () =>
      Effect.gen(function* () {
        const outage = yield* proxy
        const user = server.username === "" ? "" : `${server.username}:${options.password}@`
        const url = `${options.scheme}://${user}127.0.0.1:${outage.port}${server.pathname}`
        const store = yield* Effect.provideContext(EventStore, yield* Layer.build(options.layer(url)))
        yield* store.append("s-1", [{ type: "A", data: {} }])
        const live = yield* store.subscribeAll().pipe(Stream.runDrain, Effect.flip, Effect.forkChild)

        yield* Effect.promise(() => outage.cut())
        // A live subscription ends with the outage (the projection runner resubscribes).
        assert.strictEqual(
          (yield* Fiber.join(live).pipe(Effect.timeout("10 seconds")))._tag,
          "StoreUnavailable"
        )
        const batch = Array.from({ length: 5 }, (_, i) => ({ type: "B", data: { i } }))
        const error = yield* Effect.flip(store.append("s-1", batch, { expectedVersion: 1 }))
        assert.strictEqual(error._tag, "StoreUnavailable")
        assert.include(error.message, `127.0.0.1:${outage.port}${server.pathname}`)
        if (options.password !== "") assert.notInclude(error.message, options.password)
        assert.strictEqual((yield* Effect.flip(store.readAll()))._tag, "StoreUnavailable")
        // What an aggregate load reads fails the same way, never as an empty stream.
        const load = yield* Effect.flip(readStreamPayloadsOf(store, "s-1", 1))
        assert.strictEqual(load._tag, "StoreUnavailable")
        assert.include(load.message, `127.0.0.1:${outage.port}${server.pathname}`)

        yield* Effect.promise(() => outage.restore())
        // The failed append either never reached the server or was rolled back with its connection.
        const recovered = yield* store
          .streamVersion("s-1")
          .pipe(Effect.retry({ times: 20, schedule: Schedule.spaced("250 millis") }))
        assert.strictEqual(recovered, 1)
        const after = yield* store.append("s-1", batch, { expectedVersion: 1 })
        assert.strictEqual(after.nextExpectedVersion, 6)
      }).pipe(Effect.scoped)
    )
  })
}
