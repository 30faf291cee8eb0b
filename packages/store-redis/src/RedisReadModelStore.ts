/**
 * Read models on Redis: each collection is a hash of id → JSON text. Lists fetch the collection (or,
 * for a string equality or a number range on an indexed field, only the documents that can match) and
 * filter and sort here, with the rules every store shares (`ReadModelQuery` in `@cello/cqrs`). A page
 * (a `limit`) ordered by an indexed number field, filtered on that field alone, reads only the page
 * from the index; a count of number comparisons or of one string equality on an indexed field is the
 * index's count.
 * `ensureIndex` keeps sorted sets of a field's numbers and strings, maintained atomically with every
 * put and delete by Lua scripts.
 *
 * Inside `RedisCheckpointStore`'s `atomically` (an async projection's page), writes are buffered and
 * committed with the checkpoint in one script; reads see the pending writes.
 */
import { ReadModelQuery, ReadModelStore, type StoreUnavailable } from "@cello/cqrs"
import { Effect, Layer, Option } from "effect"
import type { Redis as IORedis } from "ioredis"
import { cqrsUnavailable } from "./internal/cqrsUnavailable.js"
import type { Fenced } from "./internal/fenced.js"
import * as IndexPlan from "./internal/indexPlan.js"
import * as Scripts from "./internal/readModelScripts.js"
import { pairs, strings } from "./internal/reply.js"
import * as UnitOfWork from "./internal/unitOfWork.js"
import { RedisClient } from "./RedisClient.js"
import type { RedisError } from "./RedisError.js"

const isDocument = (value: unknown): value is ReadModelQuery.Document =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// Only `encodeDocument`'s JSON objects are stored, so parsing cannot fail or yield anything else.
const parse = (text: string): ReadModelQuery.Document => {
  const value: unknown = JSON.parse(text)
  return isDocument(value) ? value : {}
}

export const make: Effect.Effect<ReadModelStore.ReadModelStoreShape, never, RedisClient> = Effect.gen(
  function* () {
    const client = yield* RedisClient
    const keys = (collection: string): UnitOfWork.CollectionKeys => ({
      hash: client.key("rm", "d", collection),
      indexes: client.key("rm", "x", collection),
      // + field name; fields are letters, digits and _, so no two (collection, field) pairs collide.
      indexBase: `${client.key("rm", "i", collection)}:`,
      stringIndexBase: `${client.key("rm", "s", collection)}:`
    })
    const run = <A>(operation: string, f: (redis: IORedis) => Promise<A>) =>
      client.run(operation, f).pipe(Effect.mapError(cqrsUnavailable))
    // Only checkpoint writes carry conditions, so a read-model write alone is never Fenced.
    const unavailable = (error: RedisError | Fenced): StoreUnavailable =>
      error._tag === "RedisError"
        ? cqrsUnavailable(error)
        : cqrsUnavailable({ target: client.target, operation: "write", detail: `${error.key} moved` })
    const write = (operation: string, change: UnitOfWork.Write) =>
      UnitOfWork.write(client, operation, change).pipe(Effect.mapError(unavailable))

    const documents = (
      entries: ReadonlyArray<readonly [string, string]>,
      where: ReadonlyArray<ReadModelStore.Condition>
    ) =>
      entries
        .map(([id, text]) => ({ id, document: parse(text) }))
        .filter((entry) => where.every((condition) => ReadModelQuery.matches(entry.document, condition)))

    /** Pending writes of this unit of work on the collection: indexes do not show them yet. */
    const pendingOn = (hash: string) =>
      Effect.map(UnitOfWork.Current, (unit) => Option.filter(unit, (u) => UnitOfWork.touches(u, hash)))

    const matching = (
      collection: string,
      where: ReadonlyArray<ReadModelStore.Condition>
    ): Effect.Effect<
      ReadonlyArray<{ readonly id: string; readonly document: ReadModelQuery.Document }>,
      StoreUnavailable
    > =>
      Effect.gen(function* () {
        const k = keys(collection)
        // Pending writes may move documents in or out of an index range: then read the whole hash.
        const pending = yield* pendingOn(k.hash)
        const indexed = Option.isNone(pending)
        const [field, { min, max }] = indexed ? IndexPlan.numberRange(where) : ["", { min: "", max: "" }]
        const [text, value] = indexed ? IndexPlan.stringEquality(where) : ["", ""]
        const reply = yield* run("listReadModels", (redis) =>
          Scripts.candidates.run(
            redis,
            [k.hash, k.indexes],
            [text, value, field, min, max, k.indexBase, k.stringIndexBase]
          )
        )
        const stored = pairs(strings(reply))
        return documents(
          Option.isSome(pending) ? UnitOfWork.overlay(pending.value, k.hash, stored) : stored,
          where
        )
      })

    /**
     * A page ordered by an indexed number field, read from the index (see `IndexPlan.page`): the
     * documents it returns hold the page, found without reading the rest. None when the index cannot.
     */
    const indexedPage = (
      collection: string,
      plan: IndexPlan.Page,
      where: ReadonlyArray<ReadModelStore.Condition>
    ) =>
      Effect.gen(function* () {
        const k = keys(collection)
        if (Option.isSome(yield* pendingOn(k.hash))) return Option.none()
        const reply = strings(
          yield* run("listReadModels", (redis) =>
            Scripts.page.run(
              redis,
              [k.hash, k.indexes],
              [
                plan.field,
                k.indexBase,
                plan.direction,
                plan.range.min,
                plan.range.max,
                plan.take,
                plan.everyDocument ? "1" : "0"
              ]
            )
          )
        )
        return reply[0] === "1" ? Option.some(documents(pairs(reply.slice(1)), where)) : Option.none()
      })

    const countIndexed = (collection: string, where: ReadonlyArray<ReadModelStore.Condition>) =>
      Effect.gen(function* () {
        const k = keys(collection)
        const plan = IndexPlan.count(where)
        if (plan === undefined || Option.isSome(yield* pendingOn(k.hash))) return -1
        const args =
          plan._tag === "Numbers"
            ? [plan.field, "n", k.indexBase, plan.range.min, plan.range.max]
            : [plan.field, "s", k.stringIndexBase, plan.value]
        const reply = yield* run("countReadModels", (redis) => Scripts.count.run(redis, [k.indexes], args))
        return typeof reply === "number" ? reply : -1
      })

    return {
      get: (collection, id) =>
        Effect.gen(function* () {
          const unit = yield* UnitOfWork.Current
          const hash = keys(collection).hash
          const pending = Option.map(unit, (u) => UnitOfWork.pendingDocument(u, hash, id))
          const text =
            Option.isSome(pending) && pending.value.known
              ? pending.value.text
              : yield* run("getReadModel", (redis) => redis.hget(hash, id))
          return Option.map(Option.fromNullishOr(text), parse)
        }),
      put: (collection, id, document) =>
        Effect.flatMap(ReadModelStore.encodeDocument(collection, id, document), (text) =>
          write("putReadModel", { _tag: "Put", keys: keys(collection), id, text })
        ),
      delete: (collection, id) => write("deleteReadModel", { _tag: "Delete", keys: keys(collection), id }),
      list: (collection, options = {}) =>
        Effect.flatMap(ReadModelStore.checkListOptions(collection, options), () =>
          Effect.gen(function* () {
            const where = options.where ?? []
            const plan = IndexPlan.page(options)
            const fromIndex = plan === undefined ? Option.none() : yield* indexedPage(collection, plan, where)
            const entries = Option.isSome(fromIndex) ? fromIndex.value : yield* matching(collection, where)
            const offset = options.offset ?? 0
            return [...entries]
              .sort(ReadModelQuery.byOrder(options.orderBy ?? []))
              .slice(offset, options.limit === undefined ? undefined : offset + options.limit)
          })
        ),
      count: (collection, where = []) =>
        Effect.flatMap(ReadModelStore.checkListOptions(collection, { where }), () =>
          Effect.gen(function* () {
            const unit = yield* UnitOfWork.Current
            const hash = keys(collection).hash
            if (where.length === 0 && !Option.exists(unit, (u) => UnitOfWork.touches(u, hash)))
              return yield* run("countReadModels", (redis) => redis.hlen(hash))
            const counted = yield* countIndexed(collection, where)
            return counted >= 0 ? counted : (yield* matching(collection, where)).length
          })
        ),
      clear: (collection) => write("clearReadModels", { _tag: "Clear", keys: keys(collection) }),
      ensureIndex: (collection, field) =>
        Effect.andThen(ReadModelStore.checkIndexField(collection, field), () => {
          const k = keys(collection)
          return run("ensureReadModelIndex", (redis) =>
            Scripts.ensureIndex.run(redis, [k.hash, k.indexes], [field, k.indexBase, k.stringIndexBase])
          ).pipe(Effect.asVoid)
        })
    }
  }
)

export const layer: Layer.Layer<ReadModelStore.ReadModelStore, never, RedisClient> = Layer.effect(
  ReadModelStore.ReadModelStore,
  make
)
