/**
 * Which index can answer a read-model query, decided from the conditions alone (the scripts then check
 * that the index exists). Every plan is a superset of the answer, or exactly it where it says so; the
 * store still checks each condition on the documents a plan returns.
 */
import type { ReadModelStore } from "@cello/cqrs"

type Condition = ReadModelStore.Condition

const isRange = (c: Condition): boolean => c.op !== "neq" && c.op !== "in" && typeof c.value === "number"

/** A score range in ZRANGEBYSCORE syntax: `-inf`, `+inf`, `5`, or `(5` for an open bound. */
export interface ScoreRange {
  readonly min: string
  readonly max: string
}

/** The range the number comparisons on `field` imply (all of them hold for a number in it). */
export const rangeOf = (where: ReadonlyArray<Condition>, field: string): ScoreRange => {
  let low = { value: Number.NEGATIVE_INFINITY, open: false }
  let high = { value: Number.POSITIVE_INFINITY, open: false }
  for (const c of where) {
    if (c.field !== field || !isRange(c) || typeof c.value !== "number") continue
    const { value } = c
    if (c.op === "eq" || c.op === "gt" || c.op === "gte") {
      const open = c.op === "gt"
      if (value > low.value || (value === low.value && open)) low = { value, open }
    }
    if (c.op === "eq" || c.op === "lt" || c.op === "lte") {
      const open = c.op === "lt"
      if (value < high.value || (value === high.value && open)) high = { value, open }
    }
  }
  const bound = (b: typeof low, infinite: string) =>
    Number.isFinite(b.value) ? `${b.open ? "(" : ""}${String(b.value)}` : infinite
  return { min: bound(low, "-inf"), max: bound(high, "+inf") }
}

/** The first field compared with a number, and its range: a number index on it narrows a list. */
export const numberRange = (where: ReadonlyArray<Condition>): readonly [field: string, range: ScoreRange] => {
  const field = where.find(isRange)?.field
  return field === undefined ? ["", { min: "-inf", max: "+inf" }] : [field, rangeOf(where, field)]
}

/** The first field compared for equality with a string, and the string: a string index narrows a list. */
export const stringEquality = (where: ReadonlyArray<Condition>): readonly [field: string, value: string] => {
  const condition = where.find((c) => c.op === "eq" && typeof c.value === "string")
  return condition !== undefined && typeof condition.value === "string"
    ? [condition.field, condition.value]
    : ["", ""]
}

/**
 * A page ordered by a number field read from that field's index: the first `take` ids in order, plus
 * every id tied with the last one (so sorting them by the remaining keys gives the exact page).
 * Possible when `orderBy` starts with the field and every condition is a number comparison on it;
 * with no condition at all, only when every document holds a number there (`everyDocument`: checked
 * by the script), since documents without one sort apart from the numbers.
 */
export interface Page {
  readonly field: string
  readonly direction: "asc" | "desc"
  readonly range: ScoreRange
  readonly take: number
  readonly everyDocument: boolean
}

export const page = (options: ReadModelStore.ListOptions): Page | undefined => {
  const first = options.orderBy?.[0]
  const where = options.where ?? []
  if (options.limit === undefined || first === undefined) return undefined
  if (!where.every((c) => c.field === first.field && isRange(c))) return undefined
  return {
    field: first.field,
    direction: first.direction === "desc" ? "desc" : "asc",
    range: rangeOf(where, first.field),
    // Past 2^53 the sum is no longer a whole number Redis reads (and no collection is that big).
    take: Math.min((options.offset ?? 0) + options.limit, Number.MAX_SAFE_INTEGER),
    everyDocument: where.length === 0
  }
}

/**
 * A count an index answers exactly: number comparisons on one field (ZCOUNT), or one equality with a
 * string (ZLEXCOUNT of its members; a string with NUL, which no document holds, is left to the scan).
 */
export type Count =
  | { readonly _tag: "Numbers"; readonly field: string; readonly range: ScoreRange }
  | { readonly _tag: "String"; readonly field: string; readonly value: string }

export const count = (where: ReadonlyArray<Condition>): Count | undefined => {
  const first = where[0]
  if (first === undefined) return undefined
  if (where.length === 1 && first.op === "eq" && typeof first.value === "string")
    return first.value.includes("\u0000")
      ? undefined
      : { _tag: "String", field: first.field, value: first.value }
  return where.every((c) => c.field === first.field && isRange(c))
    ? { _tag: "Numbers", field: first.field, range: rangeOf(where, first.field) }
    : undefined
}
