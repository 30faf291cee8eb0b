/**
 * Read models on PostgreSQL: one jsonb table keyed by (collection, id). Filters and sort keys are SQL
 * on the document (see `internal/documentQuery.ts`); `ensureIndex` adds an expression index on
 * (collection, document -> field), which serves equality, `in` and number ranges on that field.
 */
import { ReadModelStore } from "@cello/cqrs"
import { Effect, Layer, Option } from "effect"
import { sql } from "kysely"
import { cqrsUnavailable } from "./internal/cqrsUnavailable.js"
import { countQuery, listQuery } from "./internal/documentQuery.js"
import { transaction } from "./internal/transaction.js"
import { PgDatabase } from "./PgDatabase.js"

// jsonb's text is JSON: parsing it cannot fail.
const parse = (text: string): unknown => JSON.parse(text)

export const make: Effect.Effect<ReadModelStore.ReadModelStoreShape, never, PgDatabase> = Effect.gen(
  function* () {
    const database = yield* PgDatabase
    const { db, run, config } = database
    // The per-document statements' text is the same for every call: built once, not per call (a
    // kysely build and compile cost about as much CPU as the round trip's own work in the driver).
    const table = sql.id(config.schema, "read_models")
    const getText =
      sql`select document::text as json from ${table} where collection = $1 and id = $2`.compile(db).sql
    const putText =
      sql`insert into ${table} (collection, id, document) values ($1, $2, $3) on conflict (collection, id) do update set document = excluded.document, updated_at = now()`.compile(
        db
      ).sql
    const deleteText = sql`delete from ${table} where collection = $1 and id = $2`.compile(db).sql
    // Fields this process indexed (`ensureIndex`, as `ReadModel.ensureIndexes` does at start-up): pages
    // ordered by them may walk the index.
    const indexed = new Set<string>()
    return {
      get: (collection, id) =>
        database.unsafe<{ readonly json: string }>(getText, [collection, id]).pipe(
          Effect.map((rows) => Option.map(Option.fromUndefinedOr(rows[0]), (row) => parse(row.json))),
          Effect.mapError(cqrsUnavailable(database, "getReadModel"))
        ),
      put: (collection, id, document) =>
        Effect.flatMap(ReadModelStore.encodeDocument(collection, id, document), (json) =>
          database
            .unsafe(putText, [collection, id, json])
            .pipe(Effect.asVoid, Effect.mapError(cqrsUnavailable(database, "putReadModel")))
        ),
      delete: (collection, id) =>
        database
          .unsafe(deleteText, [collection, id])
          .pipe(Effect.asVoid, Effect.mapError(cqrsUnavailable(database, "deleteReadModel"))),
      list: (collection, options = {}) =>
        Effect.flatMap(ReadModelStore.checkListOptions(collection, options), () =>
          run(listQuery(db, collection, options, indexed)).pipe(
            Effect.map((rows) => rows.map((row) => ({ id: row.id, document: parse(row.json) }))),
            Effect.mapError(cqrsUnavailable(database, "listReadModels"))
          )
        ),
      count: (collection, where = []) =>
        Effect.flatMap(ReadModelStore.checkListOptions(collection, { where }), () =>
          run(countQuery(db, collection, where)).pipe(
            Effect.map((rows) => Number(rows[0]?.n ?? 0)),
            Effect.mapError(cqrsUnavailable(database, "countReadModels"))
          )
        ),
      clear: (collection) =>
        run(db.deleteFrom("read_models").where("collection", "=", collection)).pipe(
          Effect.asVoid,
          Effect.mapError(cqrsUnavailable(database, "clearReadModels"))
        ),
      ensureIndex: (collection, field) =>
        Effect.andThen(
          ReadModelStore.checkIndexField(collection, field),
          // One index per field, for every collection. The field was checked (letters, digits, _), and
          // concurrent callers queue on a lock: CREATE INDEX IF NOT EXISTS alone can race itself.
          transaction(
            database,
            Effect.andThen(
              run(sql`select pg_advisory_xact_lock(hashtext(${`cello-index:${config.schema}`}))`.compile(db)),
              run(
                sql`create index if not exists ${sql.id(`read_models_${field}`)} on ${sql.id(config.schema, "read_models")} (collection, (document -> ${sql.lit(field)}))`.compile(
                  db
                )
              )
            ).pipe(Effect.mapError(cqrsUnavailable(database, "ensureIndex"))),
            cqrsUnavailable(database, "ensureIndex")
          ).pipe(
            Effect.tap(() => Effect.sync(() => indexed.add(field))),
            Effect.asVoid
          )
        )
    }
  }
)

export const layer: Layer.Layer<ReadModelStore.ReadModelStore, never, PgDatabase> = Layer.effect(
  ReadModelStore.ReadModelStore,
  make
)
