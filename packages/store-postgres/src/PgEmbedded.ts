/**
 * An embedded PostgreSQL (PGlite, compiled to WebAssembly) served on a loopback port, so the same
 * driver and queries run with zero set-up: for tests on a machine without a server, and for apps
 * that want a durable store in a folder (`dataDir`). PGlite is one session: the store uses a single
 * connection and polls instead of LISTEN/NOTIFY. Needs the optional `@electric-sql/pglite` and
 * `@electric-sql/pglite-socket` packages.
 */
import { Effect, type Scope } from "effect"
import { PgUnavailable } from "./PgUnavailable.js"

export interface Options {
  /** A folder to keep the database in across restarts; in memory when absent. */
  readonly dataDir?: string
}

const fail = (detail: string) => new PgUnavailable({ store: "pglite", operation: "start", detail })

/** Starts PGlite and its socket server; returns a connection URL. Both stop when the scope closes. */
export const start = (options: Options = {}): Effect.Effect<string, PgUnavailable, Scope.Scope> =>
  Effect.gen(function* () {
    const { PGlite } = yield* Effect.tryPromise({
      try: () => import("@electric-sql/pglite"),
      catch: () =>
        fail("install @electric-sql/pglite and @electric-sql/pglite-socket to use the embedded store")
    })
    const { PGLiteSocketServer } = yield* Effect.tryPromise({
      try: () => import("@electric-sql/pglite-socket"),
      catch: () => fail("install @electric-sql/pglite-socket to use the embedded store")
    })
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => PGlite.create(options.dataDir),
        catch: (e) => fail(`cannot open ${options.dataDir ?? "an in-memory database"}: ${String(e)}`)
      }),
      (db) => Effect.promise(() => db.close())
    )
    const server = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          // Room for a reconnect while an old connection closes; the store uses one at a time.
          const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 4 })
          await server.start()
          return server
        },
        catch: (e) => fail(`cannot serve PGlite on 127.0.0.1: ${String(e)}`)
      }),
      (server) => Effect.promise(() => server.stop())
    )
    const port = server.getServerConn().split(":").at(-1)
    return `postgres://postgres@127.0.0.1:${port}/postgres`
  })
