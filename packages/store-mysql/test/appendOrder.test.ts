/**
 * Positions are handed out in commit order: an append that starts while another one is open gets its
 * positions only after that one has ended, so a reader of `position > last` never skips an event
 * committed late. A rolled-back append leaves no hole that a reader could wait on or skip past, nor
 * does a re-sent append or a reused event id (answered without writing).
 */
import { EventStore } from "@cello/eventsourcing"
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { storeLayer } from "./testDatabase.js"

const ping = [{ type: "Ping", data: {} }]

layer(storeLayer("order"), { excludeTestServices: true })("MySQL append order", (it) => {
  it.effect("an append started while another is open waits for it and takes the later positions", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const id = crypto.randomUUID()
      const before = yield* store.head
      const holding = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const first = yield* store
        .append(`first-${id}`, ping, {
          inline: () => Effect.andThen(Deferred.succeed(holding, undefined), Deferred.await(release))
        })
        .pipe(Effect.forkChild)
      yield* Deferred.await(holding)
      const second = yield* store.append(`second-${id}`, ping).pipe(Effect.forkChild)
      yield* Effect.sleep("300 millis")
      // The second waits on the first's position lock; readers see neither yet.
      assert.isUndefined(second.pollUnsafe())
      assert.deepStrictEqual(yield* store.head, before)
      yield* Deferred.succeed(release, undefined)
      const [a, b] = [yield* Fiber.join(first), yield* Fiber.join(second)]
      assert.isAbove(b.events[0]?.position ?? 0, a.events[0]?.position ?? 0)
      const read = (yield* store.readAll({ from: before })).map((e) => e.streamId)
      assert.deepStrictEqual(read, [`first-${id}`, `second-${id}`])
    })
  )

  it.effect("a rolled-back append gives its positions back: the log stays gap-free", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const id = crypto.randomUUID()
      const a = yield* store.append(`a-${id}`, ping)
      yield* Effect.flip(store.append(`b-${id}`, ping, { inline: () => Effect.fail("undo" as const) }))
      const c = yield* store.append(`c-${id}`, ping)
      assert.strictEqual((c.events[0]?.position ?? 0) - (a.events[0]?.position ?? 0), 1)
    })
  )

  it.effect("a re-sent append and a reused event id take no positions: the next append follows on", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const id = crypto.randomUUID()
      const reusedEvent = { type: "Ping", data: {}, eventId: crypto.randomUUID() }
      const events = [{ type: "Ping", data: {}, eventId: crypto.randomUUID() }, reusedEvent]
      const first = yield* store.append(`resent-${id}`, events)
      const again = yield* store.append(`resent-${id}`, events)
      assert.deepStrictEqual(
        again.events.map((e) => e.position),
        first.events.map((e) => e.position)
      )
      const reused = yield* Effect.flip(store.append(`other-${id}`, [reusedEvent]))
      assert.strictEqual(reused._tag, "InvalidAppendError")
      const next = yield* store.append(`next-${id}`, ping)
      assert.strictEqual(next.events[0]?.position, (first.events[1]?.position ?? 0) + 1)
    })
  )
})
