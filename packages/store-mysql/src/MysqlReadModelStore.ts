/**
 * Read models on MySQL: one table of JSON text keyed by (collection, id). Filters and sort keys are
 * SQL on the document (see `internal/documentQuery.ts`), over the collection's rows (the primary key's
 * prefix). `ensureIndex` adds generated columns and indexes for a field (see `internal/indexColumns.ts`)
 * that filters on the field, and pages ordered by it, then use.
 */
import { ReadModelError, ReadModelStore } from "@cello/cqrs"
import { Effect, Layer, Option } from "effect"
import { sql } from "kysely"
import { cqrsUnavailable } from "./internal/cqrsUnavailable.js"
import { countQuery, listQuery } from "./internal/documentQuery.js"
import { ensureIndexColumns } from "./internal/ensureIndexColumns.js"
import { MysqlDatabase } from "./MysqlDatabase.js"

// The text was written from `encodeDocument`: parsing it cannot fail.
const parse = (text: string): unknown => JSON.parse(text)

/** The longest collection name and id, in characters (VARCHAR(255) key columns). */
export const maxKeyLength = 255

const checkKey = (collection: string, id: string) =>
  collection.length > maxKeyLength || id.length > maxKeyLength
    ? Effect.fail(
        new ReadModelError({
          collection: collection.slice(0, 200),
          id: id.slice(0, 200),
          detail: `collection names and ids are limited to ${maxKeyLength} characters in the MySQL store`
        })
      )
    : Effect.void

export const make: Effect.Effect<ReadModelStore.ReadModelStoreShape, never, MysqlDatabase> = Effect.gen(
  function* () {
    const database = yield* MysqlDatabase
    const { db, run, execute } = database
    // Fields this process indexed (`ensureIndex`, as `ReadModel.ensureIndexes` does at start-up): only
    // their columns are known to exist, so only they are named in queries.
    const indexed = new Set<string>()
    return {
      get: (collection, id) =>
        run(
          db
            .selectFrom("read_models")
            .select("document")
            .where("collection", "=", collection)
            .where("id", "=", id)
        ).pipe(
          Effect.map((rows) => Option.map(Option.fromUndefinedOr(rows[0]), (row) => parse(row.document))),
          Effect.mapError(cqrsUnavailable(database, "getReadModel"))
        ),
      put: (collection, id, document) =>
        Effect.andThen(
          checkKey(collection, id),
          Effect.flatMap(ReadModelStore.encodeDocument(collection, id, document), (json) =>
            execute(
              db
                .insertInto("read_models")
                .values({ collection, id, document: json, updated_at: sql<string>`UTC_TIMESTAMP(6)` })
                .onDuplicateKeyUpdate({
                  document: sql`VALUES(document)`,
                  updated_at: sql`VALUES(updated_at)`
                })
            ).pipe(Effect.asVoid, Effect.mapError(cqrsUnavailable(database, "putReadModel")))
          )
        ),
      delete: (collection, id) =>
        execute(db.deleteFrom("read_models").where("collection", "=", collection).where("id", "=", id)).pipe(
          Effect.asVoid,
          Effect.mapError(cqrsUnavailable(database, "deleteReadModel"))
        ),
      list: (collection, options = {}) =>
        Effect.flatMap(ReadModelStore.checkListOptions(collection, options), () =>
          run(listQuery(db, collection, options, indexed)).pipe(
            Effect.map((rows) => rows.map((row) => ({ id: row.id, document: parse(row.document) }))),
            Effect.mapError(cqrsUnavailable(database, "listReadModels"))
          )
        ),
      count: (collection, where = []) =>
        Effect.flatMap(ReadModelStore.checkListOptions(collection, { where }), () =>
          run(countQuery(db, collection, where, indexed)).pipe(
            Effect.map((rows) => Number(rows[0]?.n ?? 0)),
            Effect.mapError(cqrsUnavailable(database, "countReadModels"))
          )
        ),
      clear: (collection) =>
        execute(db.deleteFrom("read_models").where("collection", "=", collection)).pipe(
          Effect.asVoid,
          Effect.mapError(cqrsUnavailable(database, "clearReadModels"))
        ),
      ensureIndex: (collection, field) =>
        Effect.andThen(
          ReadModelStore.checkIndexField(collection, field),
          ensureIndexColumns(database, field).pipe(
            Effect.mapError(cqrsUnavailable(database, "ensureIndex")),
            Effect.tap(() => Effect.sync(() => indexed.add(field)))
          )
        )
    }
  }
)

export const layer: Layer.Layer<ReadModelStore.ReadModelStore, never, MysqlDatabase> = Layer.effect(
  ReadModelStore.ReadModelStore,
  make
)
