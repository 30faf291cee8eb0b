/**
 * Exact money: the `Money` schema (two decimals, bounds, cents inside), and events stored by the
 * float version of the demo (schema version 1), upcast to the cent on read — or refused, naming the
 * field, when they hold no amount of money at all.
 */
import { EventStore, Repository } from "@cello/eventsourcing"
import { MemoryStore } from "@cello/store-memory"
import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Account, balanceLimit, deposit } from "../src/bank/account.js"
import { AccountView } from "../src/bank/readModels.js"
import { TransferContext } from "../src/bank/transferSaga.js"
import { Amount, maxAmount, maxBalance, Price, Stored, toMajor } from "../src/money.js"
import { Order } from "../src/shop/order.js"

const decode = (schema: typeof Amount, input: unknown) =>
  Schema.decodeUnknownExit(Schema.toCodecJson(schema))(input)

describe("Money", () => {
  it.each([
    [0.1, 10],
    [29.99, 2999],
    [1_000_000_000, 100_000_000_000],
    [-0, 0],
    [999_999_999.99, 99_999_999_999]
  ])("decodes %s to %s cents, and encodes it back", (major, cents) => {
    const exit = decode(Amount, major)
    expect(exit._tag === "Success" && exit.value).toBe(cents)
    expect(Schema.encodeSync(Schema.toCodecJson(Amount))(cents)).toBe(major === 0 ? 0 : major)
  })

  it.each([
    0.1 + 0.2,
    0.001,
    1e308,
    2 ** 53 + 1,
    1_000_000_000.01,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    "5",
    null
  ])("refuses %s", (input) => {
    expect(decode(Amount, input)._tag).toBe("Failure")
  })

  it("bounds prices so a total of a million items stays exact", () => {
    expect(decode(Price, 1_000_000)._tag).toBe("Success")
    expect(decode(Price, 1_000_000.01)._tag).toBe("Failure")
    expect(decode(Price, -1)._tag).toBe("Failure")
    expect(Number.isSafeInteger(100_000_000 * 1_000_000)).toBe(true)
  })

  it("prints every stored amount as its two decimals", () => {
    expect(toMajor(maxBalance)).toBe(9_999_999_999_999.99)
    expect(String(toMajor(maxBalance))).toBe("9999999999999.99")
    expect(decode(Stored, 9_999_999_999_999.99)._tag).toBe("Success")
  })
})

describe("the account's balance limit", () => {
  it("refuses a deposit that would take the balance past 9,999,999,999,999.99, and takes one up to it", async () => {
    const state = { ...Account.initialState, status: "active" as const, balance: maxBalance - maxAmount }
    const exit = (amount: number) => Effect.runPromise(Effect.result(deposit(amount)(state)))
    expect(await exit(maxAmount)).toMatchObject({ _tag: "Success" })
    expect(await exit(maxAmount + 1)).toMatchObject({ _tag: "Failure", failure: { reason: balanceLimit } })
  })
})

describe("saga contexts and read models of the float version", () => {
  it("read rounded to the cent, as the upcast events are", () => {
    const transfer = Schema.decodeUnknownSync(Schema.toCodecJson(TransferContext))({
      from_account: "acc-1",
      to_account: "acc-2",
      amount: 0.30000000000000004
    })
    expect(transfer.amount).toBe(30)
    const view = Schema.decodeUnknownSync(Schema.toCodecJson(AccountView))({
      id: "acc-1",
      owner: "Old",
      balance: 5.551115123125783e-17,
      status: "active",
      opened_at: 1
    })
    expect(view.balance).toBe(0)
    expect(
      Schema.decodeUnknownExit(Schema.toCodecJson(AccountView))({ ...view, balance: "Infinity" })._tag
    ).toBe("Failure")
  })
})

describe("events of the float version (schema version 1)", () => {
  const run = <A, E>(effect: Effect.Effect<A, E, EventStore.EventStore>) =>
    Effect.runPromise(Effect.result(effect.pipe(Effect.provide(MemoryStore.layer))))

  it("are upcast to the cent they stood for: the account folds to an exact balance", async () => {
    const result = await run(
      Effect.gen(function* () {
        yield* EventStore.append("Account-old", [
          { type: "AccountOpened", schemaVersion: 1, data: { owner: "Old", initial_balance: 0.1 } },
          { type: "MoneyDeposited", schemaVersion: 1, data: { amount: 0.2 } },
          { type: "MoneyWithdrawn", schemaVersion: 1, data: { amount: 0.30000000000000004 } },
          // Half a cent rounds up: 12.35.
          { type: "MoneyDeposited", schemaVersion: 1, data: { amount: 12.345 } }
        ])
        yield* EventStore.append("Order-old", [
          {
            type: "OrderCreated",
            schemaVersion: 1,
            data: { user_id: "u", product: "Widget", quantity: 3, price: 29.990000000000002 }
          }
        ])
        const account = yield* Repository.load(Account, "old")
        const order = yield* Repository.load(Order, "old")
        return { balance: account.state.balance, price: order.state.price }
      })
    )
    expect(result._tag === "Success" ? result.success : result).toEqual({ balance: 1235, price: 2999 })
  })

  it("holding no amount of money (Infinity, 1e308) are refused on read, naming the field", async () => {
    for (const amount of ["Infinity", 1e308]) {
      const result = await run(
        Effect.gen(function* () {
          yield* EventStore.append("Account-inf", [
            { type: "AccountOpened", schemaVersion: 1, data: { owner: "Inf", initial_balance: 0 } },
            { type: "MoneyDeposited", schemaVersion: 1, data: { amount } }
          ])
          return yield* Repository.load(Account, "inf")
        })
      )
      expect(result._tag).toBe("Failure")
      expect(JSON.stringify(result)).toMatch(/EventDecodeError/)
      expect(result._tag === "Failure" ? result.failure.message : "").toMatch(/amount/)
    }
  })
})
