/**
 * Type-level tests: vitest type-checks this file in `pnpm test` (and tsc in `pnpm typecheck`); each
 * error, so a non-exhaustive `evolve` that compiles would fail the build.
 */
import { Aggregate, Repository } from "@cello/eventsourcing"
import { describe, expectTypeOf, it } from "@effect/vitest"
import { Effect, Schema } from "effect"

class Opened extends Schema.TaggedClass<Opened>()("Opened", { owner: Schema.String }) {}
class Deposited extends Schema.TaggedClass<Deposited>()("Deposited", { amount: Schema.Number }) {}
interface Account {
  readonly balance: number
}

describe("Aggregate types", () => {
  it("evolve must handle every event type", () => {
    const complete = Aggregate.make<Account>()({
      name: "Account",
      initialState: { balance: 0 },
      events: [Opened, Deposited],
      evolve: {
        Opened: (state) => state,
        Deposited: (state, event) => ({ balance: state.balance + event.amount })
      }
    })
    expectTypeOf(complete).toEqualTypeOf<Aggregate.Aggregate<Account, Opened | Deposited>>()

    Aggregate.make<Account>()({
      name: "Account",
      initialState: { balance: 0 },
      events: [Opened, Deposited],
      // @ts-expect-error — the Deposited handler is missing
      evolve: {
        Opened: (state: Account) => state
      }
    })

    Aggregate.make<Account>()({
      name: "Account",
      initialState: { balance: 0 },
      events: [Opened],
      evolve: {
        Opened: (state) => state,
        // @ts-expect-error — Deposited is not one of this aggregate's events
        Deposited: (state: Account) => state
      }
    })
  })

  it("handlers receive the event of their own type", () => {
    Aggregate.make<Account>()({
      name: "Account",
      initialState: { balance: 0 },
      events: [Opened, Deposited],
      evolve: {
        // @ts-expect-error — an Opened event has no amount
        Opened: (state, event) => ({ balance: state.balance + event.amount }),
        Deposited: (state, event) => ({ balance: state.balance + event.amount })
      }
    })
  })

  it("decisions may only return the aggregate's events", () => {
    const A = Aggregate.make<Account>()({
      name: "Account",
      initialState: { balance: 0 },
      events: [Deposited],
      evolve: { Deposited: (state, event) => ({ balance: state.balance + event.amount }) }
    })
    // @ts-expect-error — Opened is not an event of A
    Repository.handle(A, "1", () => [new Opened({ owner: "x" })])
    const ok = Repository.handle(A, "1", () => Effect.succeed([new Deposited({ amount: 1 })]))
    expectTypeOf(ok).toExtend<Effect.Effect<Repository.Saved<Account, Deposited>, unknown, unknown>>()
  })
})
