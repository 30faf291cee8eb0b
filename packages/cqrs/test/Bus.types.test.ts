/** Type-level tests (type-checked by vitest in `pnpm test`): dispatch is typed by the definition. */
import { describe, expectTypeOf, it } from "@effect/vitest"
import { Effect, type Option } from "effect"
import { type CommandBus as CB, CommandBus, QueryBus } from "../src/index.js"
import { GetOrder, type OrderRejected, PlaceOrder } from "./fixtures.js"

describe("dispatch types", () => {
  it("yields the declared success and failure types", () => {
    const placed = CommandBus.dispatch(PlaceOrder, { customerId: "c", items: ["x"] })
    expectTypeOf(placed).toEqualTypeOf<
      Effect.Effect<{ readonly orderId: string }, OrderRejected | CB.DispatchError, CB.CommandBus>
    >()
    const got = QueryBus.dispatch(GetOrder, { orderId: "o" })
    expectTypeOf(got).toExtend<
      Effect.Effect<Option.Option<{ readonly orderId: string; readonly status: string }>, unknown, unknown>
    >()
  })

  it("refuses a wrong payload at compile time", () => {
    // @ts-expect-error — customerId must be a string
    CommandBus.dispatch(PlaceOrder, { customerId: 42, items: ["x"] })
    // @ts-expect-error — items is missing
    CommandBus.dispatch(PlaceOrder, { customerId: "c" })
    // @ts-expect-error — a handler must return the declared success
    CommandBus.handler(PlaceOrder, () => Effect.succeed({ id: "wrong" }))
  })
})
