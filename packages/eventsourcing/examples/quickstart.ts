import { Aggregate, Repository } from "@cello/eventsourcing"
import { MemoryEventStore } from "@cello/store-memory/eventsourcing"
import { Effect, Schema } from "effect"

class Deposited extends Schema.TaggedClass<Deposited>()("Deposited", { amount: Schema.Number }) {}

const Account = Aggregate.make<{ readonly balance: number }>()({
  name: "Account",
  initialState: { balance: 0 },
  events: [Deposited],
  evolve: { Deposited: (state, e) => ({ balance: state.balance + e.amount }) }
})

export const program = Repository.handle(Account, "acc-1", () => [new Deposited({ amount: 50 })])

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program.pipe(Effect.provide(MemoryEventStore.layer))).then((r) => console.log(r.state))
  // → { balance: 50 }
}
