/**
 * A transaction left open holds every reader back (they wait, never skip): the events committed after
 * it are counted by `cello_event_store_held_back_events`, which an idle live subscription samples, and
 * delivered once it ends. Needs a second session, so a real server (PGlite is one session).
 */
import { EventStore } from "@cello/eventsourcing"
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Metric, Ref, Stream } from "effect"
import { heldBackEvents } from "../src/internal/heldBack.js"
import { mode, storeLayer } from "./testDatabase.js"

/** Polls until `check` holds (a hang guard, not a timing: other tests share the server). */
const eventually = <A>(read: Effect.Effect<A>, check: (a: A) => boolean, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 600; i++) {
      const value = yield* read
      if (check(value)) return value
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

const gauge = Effect.map(Metric.value(heldBackEvents), (state) => state.value)

layer(storeLayer("held_back", { pollInterval: "50 millis" }), { excludeTestServices: true })(
  "events held back by an open transaction",
  (it) => {
    it.effect("are counted while it is open, and delivered once it ends", () =>
      Effect.gen(function* () {
        if (mode !== "postgres") {
          yield* Effect.logWarning(
            "held-back test needs a real PostgreSQL server (a second session); ran nothing"
          )
          return
        }
        const store = yield* EventStore.EventStore
        const seen = yield* Ref.make<ReadonlyArray<string>>([])
        const subscriber = yield* store.subscribeAll().pipe(
          Stream.runForEach((e) => Ref.update(seen, (ids) => [...ids, e.streamId])),
          Effect.forkChild
        )
        // An append whose transaction stays open until released: it has written, so it has an id.
        const holding = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const blocker = yield* Effect.forkChild(
          store.append("blocker", [{ type: "Tick", data: {} }], {
            inline: () => Effect.andThen(Deferred.succeed(holding, undefined), Deferred.await(release))
          })
        )
        yield* Deferred.await(holding)
        for (let i = 0; i < 3; i++) yield* store.append(`after-${i}`, [{ type: "Tick", data: { i } }])

        const counted = yield* eventually(gauge, (n) => n === 3, "the gauge to count the 3 held-back events")
        assert.strictEqual(counted, 3)
        assert.deepStrictEqual(yield* Ref.get(seen), [], "nothing after the open transaction is delivered")

        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(blocker)
        const delivered = yield* eventually(Ref.get(seen), (ids) => ids.length === 4, "all 4 events")
        // The blocker took its transaction id first: it comes first in the global order.
        assert.deepStrictEqual(delivered, ["blocker", "after-0", "after-1", "after-2"])
        yield* eventually(gauge, (n) => n === 0, "the gauge to fall back to 0")
        yield* Fiber.interrupt(subscriber)
      })
    )
  }
)
