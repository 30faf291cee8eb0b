/**
 * Read models on Redis: each collection is a hash of id → JSON text. Lists fetch the collection (or,
 * for a string equality or a number range on an indexed field, only the documents that can match) and
 * filter and sort here, with the rules every store shares (`ReadModelQuery` in `@cello/cqrs`).
 * `ensureIndex` keeps sorted sets of a field's numbers and strings, maintained atomically with every
 * put and delete by Lua scripts.
 *
 * Inside `RedisCheckpointStore`'s `atomically` (an async projection's page), writes are buffered and
 * committed with the checkpoint in one script; reads see the pending writes.
 */
import { ReadModelQuery, ReadModelStore, type StoreUnavailable } from "@cello/cqrs"
import { Effect, Layer, Option } from "effect"
import type { Redis as IORedis } from "ioredis"
import type { Fenced } from "./internal/fenced.js"
import * as Scripts from "./internal/readModelScripts.js"
import { pairs, strings } from "./internal/reply.js"
import { cqrsUnavailable } from "./internal/unavailable.js"
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

/**
 * The score range (ZRANGEBYSCORE syntax) that the number comparisons on one field imply, for the
 * first field compared with a number: an index on that field answers it. All conditions are still
 * checked on the documents it returns.
 */
const indexRange = (
  where: ReadonlyArray<ReadModelStore.Condition>
): readonly [field: string, min: string, max: string] => {
  const field = where.find((c) => c.op !== "neq" && c.op !== "in" && typeof c.value === "number")?.field
  if (field === undefined) return ["", "-inf", "+inf"]
  let low = { value: Number.NEGATIVE_INFINITY, open: false }
  let high = { value: Number.POSITIVE_INFINITY, open: false }
  const raise = (value: number, open: boolean) => {
    if (value > low.value || (value === low.value && open)) low = { value, open }
  }
  const lower = (value: number, open: boolean) => {
    if (value < high.value || (value === high.value && open)) high = { value, open }
  }
  for (const c of where) {
    if (c.field !== field || typeof c.value !== "number") continue
    if (c.op === "eq" || c.op === "gt" || c.op === "gte") raise(c.value, c.op === "gt")
    if (c.op === "eq" || c.op === "lt" || c.op === "lte") lower(c.value, c.op === "lt")
  }
  const bound = (b: typeof low, infinite: string) =>
    Number.isFinite(b.value) ? `${b.open ? "(" : ""}${String(b.value)}` : infinite
  return [field, bound(low, "-inf"), bound(high, "+inf")]
}

/** The first field compared for equality with a string, and the string: an index on it answers it. */
const stringEquality = (
  where: ReadonlyArray<ReadModelStore.Condition>
): readonly [field: string, value: string] => {
  const condition = where.find((c) => c.op === "eq" && typeof c.value === "string")
  return condition !== undefined && typeof condition.value === "string"
    ? [condition.field, condition.value]
    : ["", ""]
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

    const matching = (
      collection: string,
      where: ReadonlyArray<ReadModelStore.Condition>
    ): Effect.Effect<
      ReadonlyArray<{ readonly id: string; readonly document: ReadModelQuery.Document }>,
      StoreUnavailable
    > =>
      Effect.gen(function* () {
        const k = keys(collection)
        const unit = yield* UnitOfWork.Current
        // Pending writes may move documents in or out of an index range: then read the whole hash.
        const pending = Option.filter(unit, (u) => UnitOfWork.touches(u, k.hash))
        const [field, min, max] = Option.isSome(pending) ? ["", "", ""] : indexRange(where)
        const [text, value] = Option.isSome(pending) ? ["", ""] : stringEquality(where)
        const reply = yield* run("listReadModels", (redis) =>
          Scripts.candidates.run(
            redis,
            [k.hash, k.indexes],
            [text, value, field, min, max, k.indexBase, k.stringIndexBase]
          )
        )
        const stored = pairs(strings(reply))
        const entries = Option.isSome(pending) ? UnitOfWork.overlay(pending.value, k.hash, stored) : stored
        return entries
          .map(([id, text]) => ({ id, document: parse(text) }))
          .filter((entry) => where.every((condition) => ReadModelQuery.matches(entry.document, condition)))
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
          Effect.map(matching(collection, options.where ?? []), (entries) => {
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
            return (yield* matching(collection, where)).length
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
