/**
 * The connection every MySQL port shares: a `mysql2` pool, wrapped as an Effect service. kysely
 * builds the queries (its MySQL dialect, never connecting); `run` sends them on the pool or on the
 * fiber's current transaction, so the event store, read models and your own SQL can share one
 * transaction (`withTransaction`). A thin wrapper rather than `@effect/sql-mysql2`, which has no
 * stable release for Effect 4 (only 4.0.0 release candidates): it is ~150 lines we control, including
 * how a lost connection inside a transaction is reported (a typed failure, never a defect).
 */
import { StoreUnavailable } from "@cello/eventsourcing"
import { Context, Duration, Effect, Exit, Layer, Redacted } from "effect"
import {
  type Compilable,
  CompiledQuery,
  DummyDriver,
  Kysely,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler
} from "kysely"
import { createPool, type Pool, type PoolConnection } from "mysql2/promise"
import * as MysqlError from "./MysqlError.js"
import * as MysqlStoreConfig from "./MysqlStoreConfig.js"
import type { Database } from "./Schema.js"

/** What a write statement reports. */
export interface WriteResult {
  readonly affectedRows: number
  /** `LAST_INSERT_ID()` after the statement (also what `LAST_INSERT_ID(expr)` set). */
  readonly insertId: number
}

export interface MysqlDatabaseShape {
  readonly config: MysqlStoreConfig.MysqlStoreConfig
  readonly pool: Pool
  /** A kysely query builder on the store's database; it never connects (queries run through `run`). */
  readonly db: Kysely<Database>
  /** `host:port/database`, for error messages. */
  readonly target: string
  /** The server's `max_allowed_packet`: no statement may be longer. */
  readonly maxStatementBytes: number
  /** Rows of a query, on the current transaction's connection if there is one. */
  readonly run: <O>(
    query: Compilable<O> | CompiledQuery<O>
  ) => Effect.Effect<ReadonlyArray<O>, MysqlError.MysqlError>
  /** A write statement's counts, on the current transaction's connection if there is one. */
  /**
   * Like `run`, each row as its column values in the order selected: no object per row, which is
   * most of the driver's work on long reads (the event store reads events this way).
   */
  readonly runValues: (
    query: Compilable<unknown> | CompiledQuery<unknown>
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, MysqlError.MysqlError>
  readonly execute: (
    query: Compilable<unknown> | CompiledQuery<unknown>
  ) => Effect.Effect<WriteResult, MysqlError.MysqlError>
  /**
   * Runs `effect` in a transaction: committed when it succeeds, rolled back when it fails or is
   * interrupted. Nested calls use a savepoint. A failed ROLLBACK (the connection died) drops the
   * connection and keeps the effect's own failure: nothing was committed.
   */
  readonly withTransaction: <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | MysqlError.MysqlError, R>
  /**
   * Runs `effect` with every statement on one connection, outside any transaction (for session-level
   * locks such as `GET_LOCK`). Not for transactions: use `withTransaction`.
   */
  readonly withConnection: <A, E, R>(
    effect: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | MysqlError.MysqlError, R>
  /** True inside `withTransaction` on this database. */
  readonly inTransaction: Effect.Effect<boolean>
  /** Turns a driver error into `StoreUnavailable` naming the operation and the server. */
  readonly unavailable: (operation: string) => (error: MysqlError.MysqlError) => StoreUnavailable
}

export class MysqlDatabase extends Context.Service<MysqlDatabase, MysqlDatabaseShape>()(
  "@cello/store-mysql/MysqlDatabase"
) {}

/** The fiber's open transaction: its connection, savepoint depth, and whether InnoDB undid it. */
interface Session {
  readonly pool: Pool
  readonly connection: PoolConnection
  depth: number
  /** Set when the server rolled the whole transaction back (a deadlock): every later statement fails. */
  aborted: MysqlError.MysqlError | undefined
  broken: boolean
}

const CurrentSession = Context.Reference<Session | undefined>("@cello/store-mysql/CurrentSession", {
  defaultValue: () => undefined
})

const currentSession: Effect.Effect<Session | undefined> = Effect.gen(function* () {
  return yield* CurrentSession
})

const builder = (database: string): Kysely<Database> =>
  new Kysely<Database>({
    dialect: {
      createAdapter: () => new MysqlAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new MysqlIntrospector(db),
      createQueryCompiler: () => new MysqlQueryCompiler()
    }
  }).withSchema(database)

// The driver answers rows for a SELECT and a header for a write; the query's row type comes from
// kysely, which built it (the same trust `SqlClient.unsafe<O>` asks for).
function rowsOf<O>(result: unknown): ReadonlyArray<O>
function rowsOf(result: unknown): ReadonlyArray<unknown> {
  return Array.isArray(result) ? result : []
}

const valuesOf = (result: unknown): ReadonlyArray<ReadonlyArray<unknown>> =>
  Array.isArray(result) ? result.filter((row): row is ReadonlyArray<unknown> => Array.isArray(row)) : []

const headerOf = (result: unknown): WriteResult => {
  const number = (name: "affectedRows" | "insertId"): number =>
    typeof result === "object" && result !== null && name in result ? Number(Reflect.get(result, name)) : 0
  return { affectedRows: number("affectedRows"), insertId: number("insertId") }
}

const compile = (query: Compilable<unknown> | CompiledQuery<unknown>): CompiledQuery<unknown> =>
  "compile" in query ? query.compile() : query

/** Plain values for the driver: bigints as decimal text (exact), the rest as they are. */
const parameters = (values: ReadonlyArray<unknown>): Array<unknown> =>
  values.map((v) => (typeof v === "bigint" ? v.toString() : v))

const databasePattern = /^[A-Za-z0-9_]{1,64}$/

/** Opens the pool and checks the server answers; the pool closes with the scope. */
export const make = (config: MysqlStoreConfig.MysqlStoreConfig) =>
  Effect.gen(function* () {
    const target = MysqlStoreConfig.describeTarget(config.url)
    const unavailable = (operation: string) => (error: MysqlError.MysqlError) =>
      new StoreUnavailable({
        store: "mysql",
        operation,
        detail: `${target}: ${error.code}${error.errno ? ` (${error.errno})` : ""}: ${error.message}`
      })
    if (!databasePattern.test(config.database))
      return yield* new StoreUnavailable({
        store: "mysql",
        operation: "configure",
        detail: `database name "${config.database}" must match ${databasePattern} (letters, digits, _)`
      })
    const url = new URL(Redacted.value(config.url))
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() =>
        createPool({
          host: url.hostname,
          port: Number(url.port || 3306),
          user: decodeURIComponent(url.username) || "root",
          password: decodeURIComponent(url.password),
          connectionLimit: config.poolSize,
          idleTimeout: Duration.toMillis(config.idleTimeout),
          connectTimeout: Duration.toMillis(config.connectTimeout),
          // utf8mb4 on the wire; every column declares its own character set and collation.
          charset: "utf8mb4_bin",
          // BIGINT as exact decimal text, DATETIME as text (no time-zone guessing by the driver).
          supportBigNumbers: true,
          bigNumberStrings: true,
          dateStrings: true,
          enableKeepAlive: true
        })
      ),
      (pool) => Effect.promise(() => pool.end().catch(() => undefined))
    )

    const send = (connection: Pool | PoolConnection, query: CompiledQuery<unknown>, rowsAsArray = false) =>
      Effect.tryPromise({
        try: () => connection.query({ sql: query.sql, rowsAsArray }, parameters(query.parameters)),
        catch: MysqlError.fromUnknown
      }).pipe(Effect.map(([result]) => result))

    /** On the fiber's transaction connection (if it belongs to this pool), else on the pool. */
    const sendCurrent = (query: CompiledQuery<unknown>, rowsAsArray = false) =>
      Effect.flatMap(currentSession, (session) => {
        if (session === undefined || session.pool !== pool) return send(pool, query, rowsAsArray)
        if (session.aborted !== undefined) return Effect.fail(session.aborted)
        return send(session.connection, query, rowsAsArray).pipe(
          Effect.tapError((error) =>
            Effect.sync(() => {
              if (error.fatal) session.broken = true
              if (MysqlError.isTransactionRolledBack(error)) session.aborted = error
            })
          )
        )
      })

    const raw = (session: Session, text: string) => send(session.connection, CompiledQuery.raw(text))

    // Connections (by server thread id) whose sessions are set up for the store's transactions.
    const prepared = new Set<number>()
    /**
     * READ COMMITTED, as in PostgreSQL: each statement of a transaction sees what committed before it,
     * so a read in a projection or saga step after an append sees the latest rows (REPEATABLE READ,
     * MySQL's default, would show the snapshot of the transaction's first read). Set once per session.
     */
    const prepareSession = (session: Session) =>
      prepared.has(session.connection.threadId)
        ? Effect.void
        : Effect.andThen(
            raw(session, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"),
            Effect.sync(() => prepared.add(session.connection.threadId))
          )

    const withTransaction = <A, E, R>(
      effect: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | MysqlError.MysqlError, R> =>
      Effect.flatMap(currentSession, (current) =>
        current !== undefined && current.pool === pool ? nested(current, effect) : outermost(effect)
      )

    const nested = <A, E, R>(session: Session, effect: Effect.Effect<A, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const name = `cello_${++session.depth}`
          yield* raw(session, `SAVEPOINT ${name}`)
          const exit = yield* Effect.exit(restore(effect))
          session.depth--
          if (session.aborted !== undefined) return yield* Effect.fail(session.aborted)
          yield* raw(
            session,
            Exit.isSuccess(exit) ? `RELEASE SAVEPOINT ${name}` : `ROLLBACK TO SAVEPOINT ${name}`
          )
          return yield* exit
        })
      )

    const outermost = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const connection = yield* Effect.tryPromise({
            try: () => pool.getConnection(),
            catch: MysqlError.fromUnknown
          })
          const session: Session = { pool, connection, depth: 0, aborted: undefined, broken: false }
          const release = Effect.sync(() => (session.broken ? connection.destroy() : connection.release()))
          const begun = yield* Effect.exit(
            Effect.andThen(prepareSession(session), raw(session, "START TRANSACTION"))
          )
          if (Exit.isFailure(begun)) {
            session.broken = true
            yield* release
            return yield* Effect.failCause(begun.cause)
          }
          const exit = yield* Effect.exit(
            restore(effect).pipe(Effect.provideService(CurrentSession, session))
          )
          if (Exit.isSuccess(exit) && session.aborted === undefined) {
            const committed = yield* Effect.exit(raw(session, "COMMIT"))
            if (Exit.isFailure(committed)) session.broken = true
            yield* release
            if (Exit.isFailure(committed)) return yield* Effect.failCause(committed.cause)
            return yield* exit
          }
          // Failed, interrupted or undone by the server: roll back. On a dead connection the ROLLBACK
          // fails too; the connection is dropped and the effect's own failure stands.
          const rolledBack = yield* Effect.exit(raw(session, "ROLLBACK"))
          if (Exit.isFailure(rolledBack)) session.broken = true
          yield* release
          return yield* session.aborted !== undefined && Exit.isSuccess(exit)
            ? Effect.fail(session.aborted)
            : exit
        })
      )

    const withConnection = <A, E, R>(
      effect: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | MysqlError.MysqlError, R> =>
      Effect.acquireUseRelease(
        Effect.tryPromise({ try: () => pool.getConnection(), catch: MysqlError.fromUnknown }),
        (connection) =>
          Effect.provideService(effect, CurrentSession, {
            pool,
            connection,
            depth: 0,
            aborted: undefined,
            broken: false
          }),
        (connection, exit) =>
          Effect.sync(() => (Exit.isFailure(exit) ? connection.destroy() : connection.release()))
      )

    const database: MysqlDatabaseShape = {
      config,
      pool,
      db: builder(config.database),
      target,
      maxStatementBytes: 0,
      unavailable,
      run: <O>(query: Compilable<O> | CompiledQuery<O>) =>
        Effect.map(sendCurrent(compile(query)), (result) => rowsOf<O>(result)),
      runValues: (query) => Effect.map(sendCurrent(compile(query), true), valuesOf),
      execute: (query) => Effect.map(sendCurrent(compile(query)), headerOf),
      withTransaction,
      withConnection,
      inTransaction: Effect.map(currentSession, (s) => s !== undefined && s.pool === pool)
    }
    // The server must answer now: a wrong URL or a stopped server fails the layer, typed.
    const packet = yield* database
      .run<{ readonly max: string }>(CompiledQuery.raw("SELECT @@max_allowed_packet AS max"))
      .pipe(Effect.mapError(unavailable("connect")))
    return { ...database, maxStatementBytes: Number(packet[0]?.max ?? 4194304) }
  })

/** A pool from the config, and the database service over it. */
export const layer = (
  config: MysqlStoreConfig.MysqlStoreConfig
): Layer.Layer<MysqlDatabase, StoreUnavailable> => Layer.effect(MysqlDatabase, make(config))
