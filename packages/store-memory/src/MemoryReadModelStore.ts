import { ReadModelQuery, ReadModelStore } from "@cello/cqrs"
import { Effect, Layer, Option } from "effect"

// `encodeDocument` let only JSON objects through.
const parse = (text: string): ReadModelQuery.Document => JSON.parse(text)

/**
 * A stored document: what was put, as JSON text (every read parses a fresh copy, so callers never
 * share state), and the parsed copy filters and sorts read, parsed on the first list that needs it
 * (a put followed by reads by id, an inline projection's usual case, never parses it).
 */
class Entry {
  #document: ReadModelQuery.Document | undefined
  constructor(
    readonly id: string,
    readonly text: string
  ) {}
  get document(): ReadModelQuery.Document {
    this.#document ??= parse(this.text)
    return this.#document
  }
}

/**
 * Read models in maps, one per collection. Lists scan the collection, so `ensureIndex` only checks
 * the field name; filters and order follow the SQL stores (`ReadModelQuery` in `@cello/cqrs`).
 */
export const make: Effect.Effect<ReadModelStore.ReadModelStoreShape> = Effect.sync(() => {
  const collections = new Map<string, Map<string, Entry>>()
  const entries = (collection: string, where: ReadonlyArray<ReadModelStore.Condition> = []) =>
    Array.from(collections.get(collection)?.values() ?? []).filter((entry) =>
      where.every((condition) => ReadModelQuery.matches(entry.document, condition))
    )
  return {
    get: (collection, id) =>
      Effect.sync(() =>
        Option.map(Option.fromUndefinedOr(collections.get(collection)?.get(id)), (e) => parse(e.text))
      ),
    put: (collection, id, document) =>
      Effect.map(ReadModelStore.encodeDocument(collection, id, document), (text) => {
        const documents = collections.get(collection) ?? new Map<string, Entry>()
        documents.set(id, new Entry(id, text))
        collections.set(collection, documents)
      }),
    delete: (collection, id) =>
      Effect.sync(() => {
        const documents = collections.get(collection)
        documents?.delete(id)
        if (documents?.size === 0) collections.delete(collection)
      }),
    list: (collection, options = {}) =>
      Effect.map(ReadModelStore.checkListOptions(collection, options), () => {
        const offset = options.offset ?? 0
        return entries(collection, options.where)
          .sort(ReadModelQuery.byOrder(options.orderBy ?? []))
          .slice(offset, options.limit === undefined ? undefined : offset + options.limit)
          .map((entry) => ({ id: entry.id, document: parse(entry.text) }))
      }),
    count: (collection, where = []) =>
      Effect.map(
        ReadModelStore.checkListOptions(collection, { where }),
        () => entries(collection, where).length
      ),
    clear: (collection) =>
      Effect.sync(() => {
        collections.delete(collection)
      }),
    ensureIndex: (collection, field) => ReadModelStore.checkIndexField(collection, field)
  }
})

export const layer: Layer.Layer<ReadModelStore.ReadModelStore> = Layer.effect(
  ReadModelStore.ReadModelStore,
  make
)
