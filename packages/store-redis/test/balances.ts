/**
 * The projection the store-redis tests run: each account's balance and how many events were applied
 * to it, so a duplicate shows in `applied` and a loss in both.
 */
import { ReadModel } from "@cello/cqrs"
import { Projection } from "@cello/eventsourcing"
import { Effect, Option, Schema } from "effect"

export class Credited extends Schema.TaggedClass<Credited>()("Credited", {
  account: Schema.String,
  amount: Schema.Int
}) {}

const Balance = Schema.Struct({ balance: Schema.Int, applied: Schema.Int })

/** A balances projection and its read model, both named `name`; it refuses a credit of `failOn`. */
export const balances = (name: string, failOn?: number) => {
  const model = ReadModel.make({ name, schema: Balance })
  const projection = Projection.make({
    name,
    events: [Credited],
    handlers: {
      Credited: (e) =>
        Effect.gen(function* () {
          yield* model.update(e.account, (current) => ({
            balance: Option.match(current, { onNone: () => 0, onSome: (b) => b.balance }) + e.amount,
            applied: Option.match(current, { onNone: () => 0, onSome: (b) => b.applied }) + 1
          }))
          if (e.amount === failOn) return yield* Effect.fail(`refusing ${e.amount}`)
        })
    }
  })
  return { model, projection }
}
