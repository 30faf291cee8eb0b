/**
 * A typed read-model collection over the `ReadModelStore` port: documents are encoded and decoded
 * with the collection's Schema, so a query handler gets typed values and a bad stored document is a
 * `ReadModelError` naming it, never a silent `unknown`.
 */
import { Effect, Option, Schema } from "effect"
import { ReadModelError, type StoreUnavailable } from "./Errors.js"
import { type Condition, type ListOptions, ReadModelStore } from "./ReadModelStore.js"

export interface ReadModel<A> {
  readonly name: string
  readonly get: (
    id: string
  ) => Effect.Effect<Option.Option<A>, StoreUnavailable | ReadModelError, ReadModelStore>
  readonly put: (
    id: string,
    document: A
  ) => Effect.Effect<void, StoreUnavailable | ReadModelError, ReadModelStore>
  /** Reads, changes and writes one document (`Option.none()` when absent). */
  readonly update: (
    id: string,
    f: (current: Option.Option<A>) => A
  ) => Effect.Effect<A, StoreUnavailable | ReadModelError, ReadModelStore>
  readonly delete: (id: string) => Effect.Effect<void, StoreUnavailable, ReadModelStore>
  readonly list: (
    options?: ListOptions
  ) => Effect.Effect<
    ReadonlyArray<{ readonly id: string; readonly document: A }>,
    StoreUnavailable | ReadModelError,
    ReadModelStore
  >
  readonly count: (
    where?: ReadonlyArray<Condition>
  ) => Effect.Effect<number, StoreUnavailable | ReadModelError, ReadModelStore>
  readonly clear: Effect.Effect<void, StoreUnavailable, ReadModelStore>
  /** Declares the collection's indexes in the store (call at start-up). */
  readonly ensureIndexes: Effect.Effect<void, StoreUnavailable | ReadModelError, ReadModelStore>
}

export const make = <A>(options: {
  readonly name: string
  readonly schema: Schema.Codec<A, unknown>
  /** Fields that lists filter or sort on. */
  readonly indexes?: ReadonlyArray<string>
}): ReadModel<A> => {
  const json = Schema.toCodecJson(options.schema)
  const decode = Schema.decodeUnknownEffect(json)
  const encode = Schema.encodeEffect(json)
  const name = options.name
  const decodeDocument = (id: string, document: unknown) =>
    Effect.mapError(decode(document), (e) => new ReadModelError({ collection: name, id, detail: e.message }))
  const get = (id: string) =>
    ReadModelStore.use((store) =>
      Effect.flatMap(store.get(name, id), (found) =>
        Option.isNone(found) ? Effect.succeedNone : Effect.map(decodeDocument(id, found.value), Option.some)
      )
    )
  const put = (id: string, document: A) =>
    Effect.flatMap(
      Effect.mapError(
        encode(document),
        (e) => new ReadModelError({ collection: name, id, detail: e.message })
      ),
      (encoded) => ReadModelStore.use((store) => store.put(name, id, encoded))
    )
  return {
    name,
    get,
    put,
    update: (id, f) =>
      Effect.gen(function* () {
        const next = f(yield* get(id))
        yield* put(id, next)
        return next
      }),
    delete: (id) => ReadModelStore.use((store) => store.delete(name, id)),
    list: (listOptions) =>
      ReadModelStore.use((store) =>
        Effect.flatMap(store.list(name, listOptions), (documents) =>
          Effect.forEach(documents, (d) =>
            Effect.map(decodeDocument(d.id, d.document), (document) => ({ id: d.id, document }))
          )
        )
      ),
    count: (where) => ReadModelStore.use((store) => store.count(name, where)),
    clear: ReadModelStore.use((store) => store.clear(name)),
    ensureIndexes: ReadModelStore.use((store) =>
      Effect.forEach(options.indexes ?? [], (field) => store.ensureIndex(name, field), { discard: true })
    )
  }
}
