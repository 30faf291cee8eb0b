import { EventStore } from "@cello/eventsourcing"
import { MemoryEventStore } from "@cello/store-memory/eventsourcing"
import { Effect, Stream } from "effect"

export const program = Effect.gen(function* () {
  // Optimistic concurrency: the first append expects no stream, the second the version it saw.
  const first = yield* EventStore.append("account-1", [{ type: "Opened", data: { owner: "ann" } }], {
    expectedVersion: "no_stream"
  })
  yield* EventStore.append("account-1", [{ type: "Deposited", data: { amount: 50 } }], {
    expectedVersion: first.nextExpectedVersion
  })
  const stale = yield* EventStore.append("account-1", [], { expectedVersion: 0 }).pipe(Effect.flip)
  // The global log, read by a subscription that would go on following new appends.
  const types = yield* EventStore.subscribeAll().pipe(
    Stream.take(2),
    Stream.map((e) => `${e.streamId}@${e.streamVersion} ${e.type}`),
    Stream.runCollect
  )
  return { types, conflict: stale.message }
})

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program.pipe(Effect.provide(MemoryEventStore.layer))).then(console.log)
  // → { types: [ 'account-1@1 Opened', 'account-1@2 Deposited' ],
  //     conflict: 'stream "account-1": expected version 0, actual 2' }
}
