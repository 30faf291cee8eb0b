/**
 * With a `Wakeup` service in context, the event store wakes live subscriptions through it instead of
 * LISTEN/NOTIFY: an append through one store instance wakes a subscription of another. LISTEN is off
 * and the poll interval is 10 minutes, so only the wake-up can deliver in time.
 * (`@cello/store-redis` runs the same scenario over Redis pub/sub.)
 *
 * A reader woken while an older transaction anywhere on the server is still open cannot see the new
 * event yet, and then waits for the next hint. Other test files run such transactions, so the wake-up
 * also sends a bare hint every 250 ms: every path to delivery still goes through it.
 */
import { Checkpoint, EventStore, Wakeup } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import {
  Context,
  Deferred,
  type Duration,
  Effect,
  Fiber,
  Layer,
  Option,
  PubSub,
  Schedule,
  Stream
} from "effect"
import { SqlClient } from "effect/sql"
import { PgStore } from "../src/index.js"
import { freshSchema, modeSettings, url } from "./testDatabase.js"

/** A wake-up shared by the instances of this process: what Redis pub/sub is across processes. */
const sharedWakeup = Effect.map(PubSub.unbounded<void>(), (hints) =>
  Wakeup.Wakeup.of({
    notify: Effect.asVoid(PubSub.publish(hints, undefined)),
    hints: Stream.fromPubSub(hints)
  })
)

/** An event store instance on `schema`, with its own pool, woken only by `wakeup` (if any). */
const instance = (schema: string, wakeup: Option.Option<Wakeup.WakeupShape>) =>
  Layer.build(
    PgStore.layer({
      url,
      schema,
      poolSize: 2,
      ...modeSettings,
      listen: false,
      pollInterval: "10 minutes"
    }).pipe(
      Layer.provide(
        Option.match(wakeup, { onNone: () => Layer.empty, onSome: (w) => Layer.succeed(Wakeup.Wakeup, w) })
      )
    )
  ).pipe(
    Effect.map((context) => ({
      store: Context.get(context, EventStore.EventStore),
      sql: Context.get(context, SqlClient.SqlClient)
    }))
  )

/** Subscribes through `reader`, appends one event through it, then one through `writer` once the
 * first was delivered; returns what arrived `within` (None if the second did not). */
const crossInstance = (wakeup: Option.Option<Wakeup.WakeupShape>, within: Duration.Input) =>
  Effect.gen(function* () {
    const schema = freshSchema("wakeup")
    const reader = yield* instance(schema, wakeup)
    const writer = yield* instance(schema, wakeup)
    yield* Effect.addFinalizer(() =>
      Effect.ignore(reader.sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
    )
    if (Option.isSome(wakeup))
      yield* wakeup.value.notify.pipe(Effect.repeat(Schedule.spaced("250 millis")), Effect.forkScoped)
    const first = yield* Deferred.make<void>()
    const subscription = yield* reader.store.subscribeAll({ from: Checkpoint.start }).pipe(
      Stream.tap(() => Deferred.succeed(first, undefined)),
      Stream.take(2),
      Stream.map((e) => e.type),
      Stream.runCollect,
      Effect.forkScoped
    )
    yield* reader.store.append("s-1", [{ type: "ByReader", data: {} }])
    // Without a wake-up, even this may wait for the poll (see above): then nothing arrives in time.
    yield* Deferred.await(first).pipe(Effect.timeoutOption(within))
    // Let the subscription park on its wait: it re-reads at once after a delivery, and a re-read
    // that a loaded machine delays past the next append would see that append without any hint
    // (200 ms was once too short in CI, with every package's tests running at once).
    yield* Effect.sleep("1 second")
    yield* writer.store.append("s-2", [{ type: "ByWriter", data: {} }])
    return yield* Fiber.join(subscription).pipe(Effect.timeoutOption(within))
  }).pipe(Effect.scoped)

describe("PgEventStore with a Wakeup in context", () => {
  it.live("an append through another instance wakes the subscription long before its poll", () =>
    Effect.gen(function* () {
      const delivered = yield* crossInstance(Option.some(yield* sharedWakeup), "20 seconds")
      assert.deepStrictEqual(Option.getOrUndefined(delivered), ["ByReader", "ByWriter"])
    })
  )

  it.live("without it (and without LISTEN) the other instance's append waits for the poll", () =>
    Effect.gen(function* () {
      assert.isTrue(Option.isNone(yield* crossInstance(Option.none(), "2 seconds")))
    })
  )
})
