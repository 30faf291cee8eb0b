/**
 * The connection every PostgreSQL port shares: Effect's `SqlClient` (from `@effect/sql-pg`) runs the
 * queries that kysely builds, so the event store, read models and a user's own Effect SQL code share
 * one pool, one transaction (`sql.withTransaction`) and Effect's spans.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Tracer } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import {
  type Compilable,
  type CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler
} from "kysely"
import * as PgStoreConfig from "./PgStoreConfig.js"
import { PgUnavailable } from "./PgUnavailable.js"
import type { Database } from "./Schema.js"

export interface PgDatabaseShape {
  readonly sql: SqlClient.SqlClient
  readonly pg: PgClient.PgClient
  readonly config: PgStoreConfig.PgStoreConfig
  /** A kysely query builder on the store's schema; it never connects (queries run through `sql`). */
  readonly db: Kysely<Database>
  /** `host:port/database`, for error messages. */
  readonly target: string
  /** The LISTEN/NOTIFY channel of this schema's appends. */
  readonly channel: string
  readonly run: <O>(
    query: Compilable<O> | CompiledQuery<O>
  ) => Effect.Effect<ReadonlyArray<O>, SqlError.SqlError>
  /** `sql.unsafe(text, params)`, run directly on the transaction's connection where it can (see `make`). */
  readonly unsafe: <O extends object>(
    text: string,
    params: ReadonlyArray<unknown>
  ) => Effect.Effect<ReadonlyArray<O>, SqlError.SqlError>
  /** Turns a driver error into the store's `PgUnavailable` naming the operation and the server. */
  readonly unavailable: (operation: string) => (error: SqlError.SqlError) => PgUnavailable
}

export class PgDatabase extends Context.Service<PgDatabase, PgDatabaseShape>()(
  "@cello/store-postgres/PgDatabase"
) {}

const builder = (schema: string): Kysely<Database> =>
  new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler()
    }
  }).withSchema(schema)

/** The reason and the server's own message (the driver's wrapper message alone says little). */
export const describeSqlError = (error: SqlError.SqlError): string => {
  const cause: unknown = error.reason.cause
  const inner = cause instanceof Error ? cause.message : typeof cause === "string" ? cause : ""
  const outer = error.reason.message || error.message
  return `${error.reason._tag}: ${outer}${inner && inner !== outer ? ` (${inner})` : ""}`
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/

/** The database service over the `PgClient` in context (use it to share your own pool). */
export const make = (
  config: PgStoreConfig.PgStoreConfig
): Effect.Effect<PgDatabaseShape, PgUnavailable, PgClient.PgClient> =>
  Effect.gen(function* () {
    const target = PgStoreConfig.describeTarget(config.url)
    if (!schemaPattern.test(config.schema))
      return yield* new PgUnavailable({
        store: "postgres",
        operation: "configure",
        detail: `schema name "${config.schema}" must match ${schemaPattern} (lower-case letters, digits, _)`
      })
    const pg = yield* PgClient.PgClient
    // kysely's row types use raw column names: no name transforms.
    const sql = pg.withoutTransforms()
    // Inside a transaction of this client, with no tracer recording, a statement runs on the
    // transaction's connection as Effect's statement would, without the span no one collects and the
    // text compiled again each time (about 3 KB and a few µs a statement).
    const unsafe = <O extends object>(
      text: string,
      params: ReadonlyArray<unknown>
    ): Effect.Effect<ReadonlyArray<O>, SqlError.SqlError> =>
      Effect.withFiber((fiber) => {
        const held = Context.getOrUndefined(fiber.context, sql.transactionService)
        return held !== undefined && fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer
          ? held[0].execute(text, params, undefined)
          : sql.unsafe<O>(text, params)
      })
    const unavailable = (operation: string) => (error: SqlError.SqlError) =>
      new PgUnavailable({ store: "postgres", operation, detail: `${target}: ${describeSqlError(error)}` })
    return {
      sql,
      pg,
      config,
      db: builder(config.schema),
      target,
      channel: `cello_events_${config.schema}`,
      unavailable,
      unsafe,
      run: <O>(query: Compilable<O> | CompiledQuery<O>) => {
        const compiled = "compile" in query ? query.compile() : query
        return unsafe<O & object>(compiled.sql, compiled.parameters)
      }
    }
  })

/** A pool from the config, and the database service over it. Also provides `SqlClient` and `PgClient`. */
export const layer = (
  config: PgStoreConfig.PgStoreConfig
): Layer.Layer<PgDatabase | PgClient.PgClient | SqlClient.SqlClient, PgUnavailable> =>
  Layer.effect(PgDatabase, make(config)).pipe(
    Layer.provideMerge(
      PgClient.layerFrom(
        PgClient.make({
          url: config.url,
          maxConnections: config.poolSize,
          connectionTTL: config.maxLifetime,
          connectTimeout: config.connectTimeout,
          applicationName: "cello"
        }).pipe(
          Effect.mapError(
            (error) =>
              new PgUnavailable({
                store: "postgres",
                operation: "connect",
                detail: `${PgStoreConfig.describeTarget(config.url)}: ${describeSqlError(error)}`
              })
          )
        )
      )
    )
  )
