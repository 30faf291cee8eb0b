import {
  Aggregate,
  EventSourcingConfig,
  EventStore,
  Metrics,
  Repository,
  SnapshotStore
} from "@cello/eventsourcing"
import { MemoryEventStore, MemorySnapshotStore, MemoryStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Metric, Option, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import { cancel, create, Order, OrderError, ship } from "../examples/order.js"

class Opened extends Schema.TaggedClass<Opened>()("Opened", { owner: Schema.String }) {}
class Deposited extends Schema.TaggedClass<Deposited>()("Deposited", { amount: Schema.Int }) {}
const AccountState = Schema.Struct({ balance: Schema.Int, deposits: Schema.Int })
type AccountState = typeof AccountState.Type

const accountWith = (snapshotVersion: number) =>
  Aggregate.make<AccountState>()({
    name: "Account",
    initialState: { balance: 0, deposits: 0 },
    events: [Opened, Deposited],
    evolve: {
      Opened: (state) => state,
      Deposited: (state, e) => ({ balance: state.balance + e.amount, deposits: state.deposits + 1 })
    },
    snapshot: { schema: AccountState, version: snapshotVersion }
  })
const Account = accountWith(1)
const deposit = (amount: number) => () => [new Deposited({ amount })]

const withConfig = (input: EventSourcingConfig.Input) =>
  Layer.mergeAll(MemoryStore.layer, EventSourcingConfig.layer(input))

describe("Repository", () => {
  it.effect("handle: load, decide, append; a new aggregate expects no stream", () =>
    Effect.gen(function* () {
      const created = yield* Repository.handle(Order, "o-1", create("o-1", "c-1", ["Widget"]))
      assert.strictEqual(created.version, 1)
      assert.strictEqual(created.state.status, "created")
      assert.strictEqual(created.envelopes[0]?.streamId, "Order-o-1")
      const shipped = yield* Repository.handle(Order, "o-1", ship("o-1", "T-1"))
      assert.strictEqual(shipped.version, 2)
      const loaded = yield* Repository.load(Order, "o-1")
      assert.deepStrictEqual(loaded.state, { status: "shipped", items: ["Widget"], trackingNumber: "T-1" })
      assert.strictEqual(loaded.version, 2)
      // A domain error appends nothing.
      const refused = yield* Effect.flip(Repository.handle(Order, "o-1", cancel("o-1", "late")))
      assert.instanceOf(refused, OrderError)
      assert.strictEqual(yield* EventStore.streamVersion("Order-o-1"), 2)
    }).pipe(Effect.provide(MemoryStore.layer))
  )

  it.effect("an unknown aggregate loads as its initial state at version 0; no events appends nothing", () =>
    Effect.gen(function* () {
      const loaded = yield* Repository.load(Order, "nope")
      assert.deepStrictEqual([loaded.state.status, loaded.version], ["none", 0])
      const nothing = yield* Repository.handle(Order, "nope", () => [])
      assert.strictEqual(nothing.version, 0)
      assert.strictEqual(yield* EventStore.streamVersion("Order-nope"), 0)
    }).pipe(Effect.provide(MemoryStore.layer))
  )

  it.effect("metadata (correlation, causation) is stored with the events", () =>
    Effect.gen(function* () {
      yield* Repository.handle(Order, "o-2", create("o-2", "c", ["x"]), {
        metadata: { correlationId: "req-9", causationId: "cmd-3" }
      })
      const [event] = yield* EventStore.readStream("Order-o-2")
      assert.deepStrictEqual(event?.metadata, { correlationId: "req-9", causationId: "cmd-3" })
    }).pipe(Effect.provide(MemoryStore.layer))
  )

  it.live("concurrent commands on one aggregate all succeed through retries, none lost", () =>
    Effect.gen(function* () {
      yield* Repository.handle(Account, "a-1", () => [new Opened({ owner: "ann" })])
      yield* Effect.forEach(
        Array.from({ length: 10 }, (_, i) => i + 1),
        (amount) => Repository.handle(Account, "a-1", deposit(amount)),
        { concurrency: "unbounded", discard: true }
      )
      const loaded = yield* Repository.load(Account, "a-1")
      assert.deepStrictEqual(loaded.state, { balance: 55, deposits: 10 })
      assert.strictEqual(loaded.version, 11)
    }).pipe(Effect.provide(withConfig({ maxConcurrencyRetries: 20, retryDelay: "1 millis" })))
  )

  it.live("retries are bounded: past maxConcurrencyRetries the ConcurrencyError surfaces", () =>
    Effect.gen(function* () {
      let attempts = 0
      // Every decision races a competing writer, so every save conflicts.
      const error = yield* Effect.flip(
        Repository.handle(Account, "a-2", () =>
          Effect.gen(function* () {
            attempts++
            yield* EventStore.append("Account-a-2", [{ type: "Opened", data: { owner: "rival" } }])
            return [new Deposited({ amount: 1 })]
          })
        )
      )
      assert.strictEqual(error._tag, "ConcurrencyError")
      assert.strictEqual(attempts, 3)
    }).pipe(Effect.provide(withConfig({ maxConcurrencyRetries: 2, retryDelay: "1 millis" })))
  )

  it.live("by default, twenty concurrent commands on one aggregate all succeed (contention is retried)", () =>
    Effect.gen(function* () {
      yield* Repository.handle(Account, "a-20", () => [new Opened({ owner: "ann" })])
      yield* Effect.forEach(
        Array.from({ length: 20 }, () => 1),
        // Each decision takes a millisecond (a real store's round trip), so all twenty collide.
        (amount) =>
          Repository.handle(Account, "a-20", () => Effect.as(Effect.sleep("1 millis"), deposit(amount)())),
        { concurrency: "unbounded", discard: true }
      )
      const loaded = yield* Repository.load(Account, "a-20")
      assert.deepStrictEqual(loaded.state, { balance: 20, deposits: 20 })
    }).pipe(Effect.provide(MemoryStore.layer))
  )

  it.effect("retries are time-bounded: past retryTimeout the ConcurrencyError surfaces", () =>
    Effect.gen(function* () {
      let attempts = 0
      const fiber = yield* Effect.forkChild(
        Effect.flip(
          Repository.handle(Account, "a-3", () =>
            Effect.gen(function* () {
              attempts++
              yield* EventStore.append("Account-a-3", [{ type: "Opened", data: { owner: "rival" } }])
              return [new Deposited({ amount: 1 })]
            })
          )
        )
      )
      yield* TestClock.adjust("900 millis")
      const running = attempts
      // Backoff from 10 ms capped at 100 ms (jittered): several retries, and not over yet.
      assert.isAbove(running, 5)
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("400 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ConcurrencyError")
      assert.isBelow(attempts, 1000)
    }).pipe(
      Effect.provide(
        withConfig({
          maxConcurrencyRetries: 1000,
          retryDelay: "10 millis",
          maxRetryDelay: "100 millis",
          retryTimeout: "1 second"
        })
      )
    )
  )

  describe("snapshots", () => {
    it.effect("are taken when a save crosses the interval, and loading starts from them", () =>
      Effect.gen(function* () {
        for (let i = 0; i < 12; i++) yield* Repository.handle(Account, "s-1", deposit(1))
        const snapshot = yield* SnapshotStore.load("Account-s-1")
        assert.deepStrictEqual(
          Option.map(snapshot, (s) => [s.streamVersion, s.stateVersion, s.state]),
          Option.some([10, 1, { balance: 10, deposits: 10 }])
        )
        const before = yield* Metric.value(Metrics.eventsReplayed)
        const loaded = yield* Repository.load(Account, "s-1")
        const after = yield* Metric.value(Metrics.eventsReplayed)
        assert.deepStrictEqual(loaded.state, { balance: 12, deposits: 12 })
        assert.strictEqual(loaded.version, 12)
        assert.strictEqual(after.count - before.count, 2) // only the events after the snapshot
      }).pipe(Effect.provide(withConfig({ snapshotInterval: 5 })))
    )

    it.effect("a snapshot of another state version is ignored: state is rebuilt from events", () =>
      Effect.gen(function* () {
        for (let i = 0; i < 6; i++) yield* Repository.handle(Account, "s-2", deposit(2))
        // Plant a snapshot with a wrong state: version 1 would trust it, version 2 must not.
        yield* SnapshotStore.save({
          streamId: "Account-s-2",
          streamVersion: 6,
          stateVersion: 1,
          state: { balance: -1, deposits: 0 }
        })
        assert.strictEqual((yield* Repository.load(Account, "s-2")).state.balance, -1)
        const loaded = yield* Repository.load(accountWith(2), "s-2")
        assert.deepStrictEqual(loaded.state, { balance: 12, deposits: 6 })
      }).pipe(Effect.provide(withConfig({ snapshotInterval: 1000 })))
    )

    it.effect("an undecodable snapshot is ignored; snapshotInterval 0 takes none", () =>
      Effect.gen(function* () {
        yield* SnapshotStore.save({
          streamId: "Account-s-3",
          streamVersion: 1,
          stateVersion: 1,
          state: { balance: "x" }
        })
        yield* Repository.handle(Account, "s-3", deposit(5))
        assert.deepStrictEqual((yield* Repository.load(Account, "s-3")).state, { balance: 5, deposits: 1 })
        for (let i = 0; i < 3; i++) yield* Repository.handle(Account, "s-4", deposit(1))
        assert.isTrue(Option.isNone(yield* SnapshotStore.load("Account-s-4")))
      }).pipe(Effect.provide(withConfig({ snapshotInterval: 0 })))
    )

    it.effect("without a SnapshotStore, aggregates load from events alone", () =>
      Effect.gen(function* () {
        for (let i = 0; i < 3; i++) yield* Repository.handle(Account, "s-5", deposit(1))
        assert.deepStrictEqual((yield* Repository.load(Account, "s-5")).state, { balance: 3, deposits: 3 })
      }).pipe(
        Effect.provide(
          Layer.mergeAll(MemoryEventStore.layer, EventSourcingConfig.layer({ snapshotInterval: 1 }))
        )
      )
    )

    it.effect("a failing snapshot store does not fail the command", () =>
      Effect.gen(function* () {
        const saved = yield* Repository.handle(Account, "s-6", deposit(1))
        assert.strictEqual(saved.version, 1)
      }).pipe(
        Effect.provide(
          Layer.mergeAll(
            MemoryEventStore.layer,
            EventSourcingConfig.layer({ snapshotInterval: 1 }),
            Layer.effect(
              SnapshotStore.SnapshotStore,
              Effect.map(MemorySnapshotStore.make, (store) => ({
                ...store,
                save: () => Effect.die(new Error("disk full"))
              }))
            )
          )
        )
      )
    )
  })

  describe("reading events", () => {
    /** The memory store, with its `readStreamPayloads` calls recorded and `readStream` refused. */
    const recording = (calls: Array<readonly [string, number]>) =>
      Layer.effect(
        EventStore.EventStore,
        Effect.map(MemoryEventStore.make, (store) =>
          EventStore.EventStore.of({
            ...store,
            readStream: () => Effect.die(new Error("a load reads payloads, not envelopes")),
            readStreamPayloads: (streamId, from) =>
              Effect.suspend(() => {
                calls.push([streamId, from])
                return EventStore.readStreamPayloadsOf(store, streamId, from)
              })
          })
        )
      )

    it.effect("a load reads only the payloads after the snapshot, through readStreamPayloads", () => {
      const calls: Array<readonly [string, number]> = []
      return Effect.gen(function* () {
        for (let i = 0; i < 12; i++) yield* Repository.handle(Account, "r-1", deposit(1))
        calls.length = 0
        const loaded = yield* Repository.load(Account, "r-1")
        assert.deepStrictEqual([loaded.state, loaded.version], [{ balance: 12, deposits: 12 }, 12])
        assert.deepStrictEqual(calls, [["Account-r-1", 11]])
      }).pipe(
        Effect.provide(
          Layer.mergeAll(
            recording(calls),
            MemorySnapshotStore.layer,
            EventSourcingConfig.layer({ snapshotInterval: 5 })
          )
        )
      )
    })

    it.effect("create: a new aggregate is decided on its initial state and appended without a read", () => {
      const calls: Array<readonly [string, number]> = []
      return Effect.gen(function* () {
        const created = yield* Repository.create(Order, "c-1", create("c-1", "cust", ["Widget"]))
        assert.deepStrictEqual([created.version, created.state.status], [1, "created"])
        assert.deepStrictEqual(calls, [])
        // The stream exists after all: the command runs as handle does, on the loaded state.
        const again = yield* Effect.flip(Repository.create(Order, "c-1", create("c-1", "cust", ["Gadget"])))
        assert.instanceOf(again, OrderError)
        assert.deepStrictEqual(calls, [["Order-c-1", 1]])
        const twice = yield* Repository.create(Account, "c-2", deposit(5))
        const thrice = yield* Repository.create(Account, "c-2", deposit(7))
        assert.deepStrictEqual(
          [twice.version, thrice.version, thrice.state],
          [1, 2, { balance: 12, deposits: 2 }]
        )
        // Racing creates of one id: exactly one creates it, the others see it exists.
        const raced = yield* Effect.forEach(
          Array.from({ length: 8 }, () => Repository.create(Order, "c-3", create("c-3", "cust", ["x"]))),
          Effect.result,
          { concurrency: "unbounded" }
        )
        assert.strictEqual(raced.filter(Result.isSuccess).length, 1)
        assert.strictEqual(yield* EventStore.streamVersion("Order-c-3"), 1)
      }).pipe(Effect.provide(Layer.mergeAll(recording(calls), MemorySnapshotStore.layer)))
    })

    it.effect("a store without readStreamPayloads loads the same: its envelopes from readStream", () =>
      Effect.gen(function* () {
        const native = yield* MemoryEventStore.make
        const { readStreamPayloads: _narrow, ...envelopesOnly } = native
        const made = EventStore.make(envelopesOnly)
        assert.isDefined(made.readStreamPayloads)
        const plain = Layer.succeed(EventStore.EventStore, EventStore.EventStore.of(envelopesOnly))
        const throughMake = Layer.succeed(EventStore.EventStore, EventStore.EventStore.of(made))
        const nativeLayer = Layer.succeed(EventStore.EventStore, native)
        yield* Effect.provide(
          Effect.gen(function* () {
            for (let i = 1; i <= 4; i++) yield* Repository.handle(Account, "f-1", deposit(i))
            yield* EventStore.append("Account-f-bad", [{ type: "Deposited", data: { amount: "x" } }])
          }),
          nativeLayer
        )
        for (const [label, store] of [
          ["native", nativeLayer],
          ["through make", throughMake],
          ["without make", plain]
        ] as const) {
          const loaded = yield* Effect.provide(Repository.load(Account, "f-1"), store)
          assert.deepStrictEqual([loaded.state, loaded.version], [{ balance: 10, deposits: 4 }, 4], label)
          const fresh = yield* Effect.provide(Repository.load(Account, "f-none"), store)
          assert.deepStrictEqual([fresh.state, fresh.version], [Account.initialState, 0], label)
          const error = yield* Effect.flip(Effect.provide(Repository.load(Account, "f-bad"), store))
          assert.deepStrictEqual(
            [error._tag, error._tag === "EventDecodeError" ? error.version : 0],
            ["EventDecodeError", 1],
            label
          )
        }
      })
    )
  })
})
