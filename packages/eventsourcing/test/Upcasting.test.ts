import { Aggregate, EventStore, EventType, Repository } from "@cello/eventsourcing"
import { MemoryStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"

// v1 stored { amount } in cents as a string; v2 { amount: number }; v3 adds a currency.
const DepositedV1 = Schema.Struct({ cents: Schema.String })
const DepositedV2 = Schema.Struct({ amount: Schema.Number })
class Deposited extends Schema.TaggedClass<Deposited>()("Deposited", {
  amount: Schema.Number,
  currency: Schema.Literals(["EUR", "USD"])
}) {}

const DepositedType = EventType.make(Deposited, {
  version: 3,
  upcasters: {
    1: EventType.upcast(DepositedV1, (v1) => ({ amount: Number(v1.cents) / 100 }), 1),
    2: EventType.upcast(DepositedV2, (v2) => ({ ...v2, currency: "EUR" }), 2)
  }
})

const Wallet = Aggregate.make<{ readonly total: number; readonly currencies: ReadonlyArray<string> }>()({
  name: "Wallet",
  initialState: { total: 0, currencies: [] },
  events: [DepositedType],
  evolve: { Deposited: (s, e) => ({ total: s.total + e.amount, currencies: [...s.currencies, e.currency] }) }
})

describe("upcasting", () => {
  it.effect("old payloads are upcast through every version on read; new ones are written at v3", () =>
    Effect.gen(function* () {
      yield* EventStore.append("Wallet-w", [
        { type: "Deposited", schemaVersion: 1, data: { cents: "250" } },
        { type: "Deposited", schemaVersion: 2, data: { amount: 1.5 } }
      ])
      yield* Repository.handle(Wallet, "w", () => [new Deposited({ amount: 10, currency: "USD" })])
      const loaded = yield* Repository.load(Wallet, "w")
      assert.deepStrictEqual(loaded.state, { total: 14, currencies: ["EUR", "EUR", "USD"] })
      const stored = yield* EventStore.readStream("Wallet-w")
      assert.deepStrictEqual(
        stored.map((e) => [e.schemaVersion, e.data]),
        [
          [1, { cents: "250" }],
          [2, { amount: 1.5 }],
          [3, { amount: 10, currency: "USD" }]
        ]
      )
    }).pipe(Effect.provide(MemoryStore.layer))
  )

  // Each row: what is stored, and what the EventDecodeError must say.
  const failures: ReadonlyArray<
    readonly [string, { type: string; schemaVersion: number; data: unknown }, RegExp]
  > = [
    ["an unknown type", { type: "Withdrawn", schemaVersion: 1, data: {} }, /unknown event type/],
    [
      "a newer schema version",
      { type: "Deposited", schemaVersion: 4, data: {} },
      /newer than the known version 3/
    ],
    [
      "a payload the upcaster rejects",
      { type: "Deposited", schemaVersion: 1, data: { cents: 5 } },
      /upcast from v1 failed/
    ],
    [
      "a payload the schema rejects",
      { type: "Deposited", schemaVersion: 3, data: { amount: "x", currency: "EUR" } },
      /amount/
    ]
  ]
  for (const [label, event, pattern] of failures) {
    it.effect(`${label} fails loudly with EventDecodeError naming stream, version and type`, () =>
      Effect.gen(function* () {
        yield* EventStore.append("Wallet-bad", [
          { type: "Deposited", schemaVersion: 3, data: { amount: 1, currency: "EUR" } },
          event
        ])
        const error = yield* Effect.flip(Repository.load(Wallet, "bad"))
        assert.strictEqual(error._tag, "EventDecodeError")
        if (error._tag !== "EventDecodeError") return
        assert.deepStrictEqual([error.streamId, error.version, error.type], ["Wallet-bad", 2, event.type])
        assert.match(error.cause, pattern)
        assert.match(error.message, /Wallet-bad/)
      }).pipe(Effect.provide(MemoryStore.layer))
    )
  }

  it("a missing upcaster is named", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const gap = Aggregate.make<number>()({
          name: "Gap",
          initialState: 0,
          events: [
            EventType.make(Deposited, {
              version: 3,
              upcasters: { 2: DepositedType.upcasters.get(2) ?? (() => Effect.succeed({})) }
            })
          ],
          evolve: { Deposited: (n) => n + 1 }
        })
        yield* EventStore.append("Gap-1", [{ type: "Deposited", schemaVersion: 1, data: { cents: "1" } }])
        const error = yield* Effect.flip(Repository.load(gap, "1"))
        assert.match(error.message, /no upcaster from schema version 1 to 2/)
      }).pipe(Effect.provide(MemoryStore.layer))
    ))
})
