import { Checkpoint } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { Option, Schema } from "effect"

const U64 = Schema.BigInt.check(Schema.isBetweenBigInt({ minimum: 0n, maximum: 18_446_744_073_709_551_615n }))

describe("Checkpoint", () => {
  it.prop("encode and decode round-trip", [U64, U64], ([tx, pos]) => {
    const cp = Checkpoint.make(tx, pos)
    assert.deepStrictEqual(Checkpoint.decode(Checkpoint.encode(cp)), Option.some(cp))
  })

  it.prop("orders by transaction first, then position", [U64, U64, U64, U64], ([t1, p1, t2, p2]) => {
    const order = Checkpoint.Order(Checkpoint.make(t1, p1), Checkpoint.make(t2, p2))
    const expected = t1 !== t2 ? (t1 < t2 ? -1 : 1) : p1 === p2 ? 0 : p1 < p2 ? -1 : 1
    assert.strictEqual(order, expected)
  })

  it("refuses text that is not a checkpoint", () => {
    for (const text of ["", "1", "1:", ":2", "a:b", "-1:2", "1:2:3", " 1:2"])
      assert.isTrue(Option.isNone(Checkpoint.decode(text)), text)
  })
})
