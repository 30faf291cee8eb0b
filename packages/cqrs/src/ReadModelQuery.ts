/**
 * The reference semantics of `ListOptions`, for stores that filter and sort documents
 * in the application (memory, Redis); the SQL stores implement the same rules in SQL, and the shared
 * conformance suite keeps them all equal. A field the document lacks matches no condition
 * and sorts last; comparisons hold only between values of one JSON type (10 > 9, "b" > "a", never
 * 10 against "9"); strings compare by code point, as a binary collation does; a field holding values
 * of several types sorts by type first, in PostgreSQL's jsonb order.
 */
import type { Condition, ListOptions } from "./ReadModelStore.js"

export type Document = Readonly<Record<string, unknown>>

/** The field's value, or `undefined` when the document lacks it (JSON has no `undefined`). */
const fieldOf = (document: Document, field: string): unknown =>
  Object.hasOwn(document, field) ? document[field] : undefined

// jsonb's order of types: null < string < number < boolean < array < object.
const typeRank = (value: unknown): number =>
  value === null
    ? 0
    : typeof value === "string"
      ? 1
      : typeof value === "number"
        ? 2
        : typeof value === "boolean"
          ? 3
          : Array.isArray(value)
            ? 4
            : 5

// Surrogates (U+D800–DFFF) encode code points above U+FFFF, so they must rank above U+E000–FFFF.
const unitRank = (unit: number): number =>
  unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit

/** Code point order; JavaScript's `<` compares UTF-16 units, which differs above U+FFFF. */
export const compareStrings = (a: string, b: string): number => {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return unitRank(x) - unitRank(y)
  }
  return a.length - b.length
}

const sign = (a: number | boolean, b: number | boolean): number => (a < b ? -1 : a > b ? 1 : 0)

/** Orders two JSON values: by type, then strings, numbers and booleans by value (arrays and objects tie). */
const compareValues = (a: unknown, b: unknown): number => {
  const byType = typeRank(a) - typeRank(b)
  if (byType !== 0) return byType
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b)
  if (typeof a === "number" && typeof b === "number") return sign(a, b)
  if (typeof a === "boolean" && typeof b === "boolean") return sign(a, b)
  return 0
}

export const matches = (document: Document, condition: Condition): boolean => {
  const value = fieldOf(document, condition.field)
  if (value === undefined) return false
  switch (condition.op) {
    case "eq":
      return value === condition.value
    case "neq":
      return value !== condition.value
    case "in":
      return condition.value.some((candidate) => value === candidate)
    default: {
      if (typeRank(value) !== typeRank(condition.value)) return false
      const order = compareValues(value, condition.value)
      return condition.op === "gt"
        ? order > 0
        : condition.op === "gte"
          ? order >= 0
          : condition.op === "lt"
            ? order < 0
            : order <= 0
    }
  }
}

/** A comparator for `orderBy`: each key in turn, a missing field last in either direction, then the id. */
export const byOrder =
  (orderBy: NonNullable<ListOptions["orderBy"]>) =>
  (a: { readonly id: string; readonly document: Document }, b: typeof a): number => {
    for (const key of orderBy) {
      const x = fieldOf(a.document, key.field)
      const y = fieldOf(b.document, key.field)
      if (x === undefined || y === undefined) {
        if (x !== y) return x === undefined ? 1 : -1
        continue
      }
      const order = compareValues(x, y)
      if (order !== 0) return key.direction === "desc" ? -order : order
    }
    return compareStrings(a.id, b.id)
  }
