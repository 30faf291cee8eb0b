import { ReadModelStore } from "@cello/cqrs"
import { RedisStore } from "@cello/store-redis"
import { Effect } from "effect"

export const program = Effect.gen(function* () {
  const accounts = yield* ReadModelStore.ReadModelStore
  yield* accounts.clear("accounts")
  // A sorted set of balances, kept in step with every put: number ranges read only what is in range.
  yield* accounts.ensureIndex("accounts", "balance")
  yield* accounts.put("accounts", "acc-1", { owner: "ann", balance: 120 })
  yield* accounts.put("accounts", "acc-2", { owner: "bob", balance: 30 })
  yield* accounts.put("accounts", "acc-3", { owner: "cy", balance: 75 })
  const rich = yield* accounts.list("accounts", {
    where: [{ field: "balance", op: "gte", value: 50 }],
    orderBy: [{ field: "balance", direction: "desc" }]
  })
  return rich.map((d) => d.id)
})

if (import.meta.url === `file://${process.argv[1]}`) {
  // Redis on redis://127.0.0.1:6379; every key under "quickstart:", so apps can share a Redis.
  Effect.runPromise(program.pipe(Effect.provide(RedisStore.layer({ keyPrefix: "quickstart:" })))).then(
    console.log
  )
  // → [ 'acc-1', 'acc-3' ]
}
