import { EventStore, Projection, ProjectionRunner } from "@cello/eventsourcing"
import { MysqlStore } from "@cello/store-mysql"
import { Effect, Ref, Schema } from "effect"

class Deposited extends Schema.TaggedClass<Deposited>()("Deposited", { amount: Schema.Number }) {}

export const program = Effect.gen(function* () {
  const streamId = `account-${crypto.randomUUID()}`
  yield* EventStore.append(streamId, [{ type: "Deposited", data: { amount: 30 } }], {
    expectedVersion: "no_stream"
  })
  yield* EventStore.append(streamId, [{ type: "Deposited", data: { amount: 12 } }], { expectedVersion: 1 })

  // An async projection catches up from its checkpoint (stored in MySQL too).
  const total = yield* Ref.make(0)
  const totals = Projection.make({
    name: `totals-${streamId}`,
    events: [Deposited],
    handlers: {
      Deposited: (e, envelope) =>
        envelope.streamId === streamId ? Ref.update(total, (t) => t + e.amount) : Effect.void
    }
  })
  yield* ProjectionRunner.catchUp(totals)
  return { version: yield* EventStore.streamVersion(streamId), total: yield* Ref.get(total) }
})

// The URL comes from CELLO_DATABASE_URL in production: MysqlStore.layerConfig().
export const StoreLayer = MysqlStore.layer({
  url: process.env.CELLO_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test"
})

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program.pipe(Effect.provide(StoreLayer))).then(console.log)
  // → { version: 2, total: 42 }
}
