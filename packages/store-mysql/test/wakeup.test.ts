/**
 * MySQL has no LISTEN/NOTIFY. Subscribers in the appending process are woken at once; with a
 * `Wakeup` service in context (Redis pub/sub in `@cello/store-redis`), an append through one store
 * instance wakes a subscription of another. The poll interval is 10 minutes here, so only a wake-up
 * can deliver in time.
 */
import { EventStore, Wakeup } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, PubSub, Stream } from "effect"
import { MysqlStore } from "../src/index.js"
import { dropDatabase, freshDatabase, url } from "./testDatabase.js"

/** A wake-up shared by the instances of this process: what Redis pub/sub is across processes. */
const sharedWakeup = Effect.map(PubSub.unbounded<void>(), (hints) =>
  Wakeup.Wakeup.of({
    notify: Effect.asVoid(PubSub.publish(hints, undefined)),
    hints: Stream.fromPubSub(hints)
  })
)

const instance = (database: string, wakeup: Layer.Layer<never> | Layer.Layer<Wakeup.Wakeup>) =>
  Layer.build(
    dropDatabase.pipe(
      Layer.provideMerge(MysqlStore.layer({ url, database, poolSize: 2, pollInterval: "10 minutes" })),
      Layer.provide(wakeup)
    )
  ).pipe(Effect.map((context) => Context.get(context, EventStore.EventStore)))

/** Subscribes through `reader`, appends through `writer`; the event must arrive in 10 s. */
const delivered = (reader: EventStore.EventStoreShape, writer: EventStore.EventStoreShape) =>
  Effect.gen(function* () {
    const streamId = `wake-${crypto.randomUUID()}`
    const from = yield* reader.head
    const fiber = yield* reader.subscribeAll({ from }).pipe(
      Stream.filter((e) => e.streamId === streamId),
      Stream.take(1),
      Stream.runCollect,
      Effect.forkChild
    )
    yield* Effect.sleep("100 millis")
    yield* writer.append(streamId, [{ type: "Ping", data: {} }])
    return (yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds"))).length
  })

describe("MySQL wake-ups", () => {
  it.live("an append wakes a subscription of the same store instance at once", () =>
    Effect.gen(function* () {
      const store = yield* instance(freshDatabase("wake"), Layer.empty)
      assert.strictEqual(yield* delivered(store, store), 1)
    }).pipe(Effect.scoped)
  )

  it.live("with a Wakeup service, an append through one instance wakes a subscription of another", () =>
    Effect.gen(function* () {
      const wakeup = Layer.succeed(Wakeup.Wakeup, yield* sharedWakeup)
      const database = freshDatabase("wake2")
      const writer = yield* instance(database, wakeup)
      const reader = yield* instance(database, wakeup)
      assert.strictEqual(yield* delivered(reader, writer), 1)
    }).pipe(Effect.scoped)
  )
})
