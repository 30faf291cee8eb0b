/**
 * A page of rows becomes the same envelopes whether each row is converted on its own or the page's
 * rows share their transaction's parsed id and timestamp: rows of other transactions in between,
 * or of one transaction with another timestamp, get their own.
 */
import { assert, describe, it } from "@effect/vitest"
import { DateTime } from "effect"
import { type EnvelopeRow, pageReader, toEnvelopes } from "../src/internal/envelope.js"

const row = (position: number, transaction: string, at: number): EnvelopeRow => ({
  position: BigInt(position),
  transaction_id: transaction,
  event_id: `00000000-0000-7000-8000-${String(position).padStart(12, "0")}`,
  stream_id: `s-${position % 2}`,
  stream_version: BigInt(position),
  type: "Happened",
  schema_version: 1,
  data: { n: position },
  metadata: {},
  created_at: new Date(at)
})

const rows = [
  row(1, "700", 1_000),
  row(2, "700", 1_000),
  row(3, "701", 2_000),
  row(4, "700", 1_000),
  row(5, "702", 2_000),
  row(6, "702", 3_000),
  row(7, "18446744073709551615", 3_000)
]

describe("envelopes of a page", () => {
  it("are the envelopes of each row on its own", () => {
    // Each row on its own: a reader of its own, which shares nothing with another row.
    assert.deepStrictEqual(
      toEnvelopes(rows),
      rows.map((r) => pageReader()(r.stream_id, r))
    )
    const read = pageReader()
    const [first, , third, fourth, fifth, sixth, last] = rows.map((r) => read(r.stream_id, r))
    assert.strictEqual(third?.checkpoint.transaction, 701n)
    assert.strictEqual(fourth?.checkpoint.transaction, 700n)
    assert.strictEqual(last?.checkpoint.transaction, 18446744073709551615n)
    assert.isTrue(first !== undefined && DateTime.toEpochMillis(first.timestamp) === 1_000)
    assert.isTrue(fifth !== undefined && DateTime.toEpochMillis(fifth.timestamp) === 2_000)
    assert.isTrue(sixth !== undefined && DateTime.toEpochMillis(sixth.timestamp) === 3_000)
  })
})
