/**
 * Money in the demo is exact: integer cents inside (balances, totals, sums), a JSON number with at
 * most two decimals outside (bodies, answers, stored events and read models), as the seeds show it
 * (`"amount": 250`, `"price": 29.99`). Each amount has a bound, so every sum stays a safe integer and
 * every answer prints exactly: no `Infinity`, no `NaN`, no `0.30000000000000004`.
 */
import { EventType } from "@cello/eventsourcing"
import { Effect, Schema, SchemaTransformation } from "effect"

/** An amount in cents: an integer. */
export type Cents = number

/** Most a single deposit, withdrawal or transfer may move: 1,000,000,000.00. */
export const maxAmount: Cents = 1_000_000_000_00
/** Most a price may be: 1,000,000.00 (times at most 1,000,000 items, a total stays exact). */
export const maxPrice: Cents = 1_000_000_00
/**
 * Most any stored amount or balance may be: 9,999,999,999,999.99. Below 10^15 cents, so a sum of two
 * is a safe integer and `cents / 100` prints as its two decimals exactly.
 */
export const maxBalance: Cents = 999_999_999_999_999

/** `12.5` → `1250`; `-0` → `0`. */
export const toCents = (major: number): Cents => Math.round(major * 100) + 0

/** `1250` → `12.5`: exact for every amount within `maxBalance`. */
export const toMajor = (cents: Cents): number => cents / 100

const hasTwoDecimals = (n: number) => Number.isFinite(n) && toMajor(toCents(n)) === n

const format = (cents: Cents) => toMajor(cents).toFixed(2)

/**
 * A money field: decodes a JSON number with at most two decimals, between `min` and `max` (cents),
 * into cents; encodes cents back into that number. `0.1 + 0.2` (0.30000000000000004), `1e308` and
 * `2^53 + 1` are refused, naming the field.
 */
export const Money = (bounds: { readonly min: Cents; readonly max: Cents }) =>
  Schema.Finite.check(
    Schema.makeFilter((n: number) => hasTwoDecimals(n) || "must have at most two decimals"),
    Schema.makeFilter(
      (n: number) =>
        (toCents(n) >= bounds.min && toCents(n) <= bounds.max) ||
        `must be between ${format(bounds.min)} and ${format(bounds.max)}`
    )
  ).pipe(Schema.decodeTo(Schema.Int, SchemaTransformation.transform({ decode: toCents, encode: toMajor })))

/** A deposit's, withdrawal's or transfer's amount (zero and negatives are the account's to refuse). */
export const Amount = Money({ min: -maxAmount, max: maxAmount })
/** A transfer's amount: a transfer of nothing is no transfer, refused before a saga starts. */
export const PositiveAmount = Money({ min: 1, max: maxAmount })
/** A price. */
export const Price = Money({ min: 0, max: maxPrice })
/** An amount or a balance as stored and answered. */
export const Stored = Money({ min: -maxBalance, max: maxBalance })

/**
 * Money as the demo reads back what it wrote itself (saga contexts, read models): any finite number
 * within `maxBalance`, rounded to the cent, so a saga or a read model written by the float version
 * reads as its upcast events do (`0.30000000000000004` → 30 cents). Encodes as `Stored` does.
 */
export const Rounded = Schema.Finite.check(
  Schema.makeFilter(
    (n: number) => Math.abs(toCents(n)) <= maxBalance || `must be at most ${format(maxBalance)} in size`
  )
).pipe(Schema.decodeTo(Schema.Int, SchemaTransformation.transform({ decode: toCents, encode: toMajor })))

/**
 * The upcaster of an event stored by an earlier demo, whose money fields were plain floats (version
 * 1): each is rounded to the cent it stood for (`0.30000000000000004` → `0.3`). A field that holds no
 * amount of money (`"Infinity"`, `1e308`: what the float version let through) fails the upcast with
 * a typed error naming the field: the stream is then refused on read rather than silently changed,
 * and an operator decides what that money was.
 */
export const roundToCents =
  (fields: ReadonlyArray<string>): EventType.Upcaster =>
  (data) => {
    if (typeof data !== "object" || data === null || Array.isArray(data))
      return Effect.fail(
        new EventType.UpcastError({ fromVersion: 1, detail: "the payload is not an object" })
      )
    const out: Record<string, unknown> = { ...data }
    for (const field of fields) {
      const value = out[field]
      if (value === undefined) continue
      if (typeof value !== "number" || !Number.isFinite(value) || Math.abs(toCents(value)) > maxBalance)
        return Effect.fail(
          new EventType.UpcastError({
            fromVersion: 1,
            detail: `${field} = ${JSON.stringify(value)} is not an amount of money (at most ${format(maxBalance)})`
          })
        )
      out[field] = toMajor(toCents(value))
    }
    return Effect.succeed(out)
  }
