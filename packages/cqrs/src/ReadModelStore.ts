/**
 * The read-model store port: collections of JSON documents by id, with list by filter, sort and
 * limit, and optional secondary indexes. Implementations: `@cello/store-memory`,
 * `@cello/store-postgres` (jsonb), `@cello/store-redis`; each runs `@cello/cqrs/testing`'s suite.
 * Typed access goes through `ReadModel.make` (a Schema per collection).
 */
import { Context, Effect, type Option } from "effect"
import { ReadModelError, type StoreUnavailable } from "./Errors.js"

/** A comparison on a top-level field of the documents. */
export type Condition =
  | {
      readonly field: string
      readonly op: "eq" | "neq" | "gt" | "gte" | "lt" | "lte"
      readonly value: string | number | boolean | null
    }
  | { readonly field: string; readonly op: "in"; readonly value: ReadonlyArray<string | number | boolean> }

export interface ListOptions {
  /** All conditions must hold. */
  readonly where?: ReadonlyArray<Condition>
  /** Sort keys in order; ties and unsorted lists are ordered by id. */
  readonly orderBy?: ReadonlyArray<{ readonly field: string; readonly direction?: "asc" | "desc" }>
  readonly limit?: number
  readonly offset?: number
}

export interface StoredDocument {
  readonly id: string
  readonly document: unknown
}

export interface ReadModelStoreShape {
  readonly get: (collection: string, id: string) => Effect.Effect<Option.Option<unknown>, StoreUnavailable>
  /** Inserts or replaces. `document` must be a JSON object; anything else is a `ReadModelError`. */
  readonly put: (
    collection: string,
    id: string,
    document: unknown
  ) => Effect.Effect<void, StoreUnavailable | ReadModelError>
  readonly delete: (collection: string, id: string) => Effect.Effect<void, StoreUnavailable>
  readonly list: (
    collection: string,
    options?: ListOptions
  ) => Effect.Effect<ReadonlyArray<StoredDocument>, StoreUnavailable | ReadModelError>
  readonly count: (
    collection: string,
    where?: ReadonlyArray<Condition>
  ) => Effect.Effect<number, StoreUnavailable | ReadModelError>
  /** Removes every document of the collection (projection rebuilds). */
  readonly clear: (collection: string) => Effect.Effect<void, StoreUnavailable>
  /**
   * Declares a field that lists filter or sort on often; stores that can index it do. The field name
   * is letters, digits and `_` (at most 50): anything else is a `ReadModelError` in every store.
   */
  readonly ensureIndex: (
    collection: string,
    field: string
  ) => Effect.Effect<void, StoreUnavailable | ReadModelError>
}

export class ReadModelStore extends Context.Service<ReadModelStore, ReadModelStoreShape>()(
  "@cello/cqrs/ReadModelStore"
) {}

// The rules below are the port's contract; stores call them so that they all refuse the same input.

// `JSON.stringify` escapes only what jsonb cannot hold among the \u escapes it writes for strings:
// NUL and lone surrogates (an escaped backslash before `u` is not such an escape).
const unstorableEscape = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i

const describeValue = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value

/**
 * The JSON text of a document, or the `ReadModelError` for one no store can keep: anything but a
 * JSON object (an array, a primitive, a `Date`, what `JSON.stringify` refuses), or text with a NUL
 * character or a lone surrogate (PostgreSQL's jsonb refuses them).
 */
export const encodeDocument = (
  collection: string,
  id: string,
  document: unknown
): Effect.Effect<string, ReadModelError> => {
  const refuse = (detail: string) => new ReadModelError({ collection, id, detail })
  if (typeof document !== "object" || document === null || Array.isArray(document))
    return Effect.fail(refuse(`a document must be a JSON object, got ${describeValue(document)}`))
  return Effect.try({
    try: (): unknown => JSON.stringify(document),
    catch: (error) => refuse(`not JSON: ${error instanceof Error ? error.message : String(error)}`)
  }).pipe(
    Effect.flatMap((text) =>
      // A `toJSON` may turn the object into something else (a `Date` becomes a string).
      typeof text !== "string" || !text.startsWith("{")
        ? Effect.fail(refuse("a document must be a JSON object, got an object whose JSON is not one"))
        : unstorableEscape.test(text)
          ? Effect.fail(refuse("text may not contain NUL characters or lone surrogates"))
          : Effect.succeed(text)
    )
  )
}

const indexField = /^[A-Za-z0-9_]{1,50}$/

/** Whether `ensureIndex` takes the field: letters, digits and `_` only, 1 to 50 of them. */
export const isIndexableField = (field: string): boolean => indexField.test(field)

/** Refuses a field name `ensureIndex` cannot take (see `isIndexableField`). */
export const checkIndexField = (collection: string, field: string): Effect.Effect<void, ReadModelError> =>
  isIndexableField(field)
    ? Effect.void
    : Effect.fail(
        new ReadModelError({
          collection,
          id: "",
          detail: `cannot index field ${JSON.stringify(field)}: use 1 to 50 letters, digits or _`
        })
      )

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0

/**
 * Refuses list options no store can honour, whatever the static types said (they may come from an
 * HTTP query): a limit or offset that is not a whole number ≥ 0, a number that JSON cannot hold
 * (NaN, Infinity), an `in` without an array.
 */
export const checkListOptions = (
  collection: string,
  options: ListOptions = {}
): Effect.Effect<void, ReadModelError> => {
  const problems: Array<string> = []
  for (const key of ["limit", "offset"] as const) {
    const n = options[key]
    if (n !== undefined && !isCount(n)) problems.push(`${key} must be a whole number ≥ 0, got ${n}`)
  }
  for (const condition of options.where ?? []) {
    const values: unknown = condition.op === "in" ? condition.value : [condition.value]
    if (!Array.isArray(values) || !values.every(isConditionValue))
      problems.push(`condition ${condition.op} on "${condition.field}" has a value that is not JSON`)
  }
  return problems.length === 0
    ? Effect.void
    : Effect.fail(new ReadModelError({ collection, id: "", detail: problems.join("; ") }))
}

const isConditionValue = (value: unknown): boolean =>
  value === null ||
  typeof value === "string" ||
  typeof value === "boolean" ||
  (typeof value === "number" && Number.isFinite(value))
