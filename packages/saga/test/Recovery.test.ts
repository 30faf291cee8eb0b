/**
 * Recovery from a store left in each intermediate state a crash can leave (written here as a crashed
 * instance "dead" would have written it), and two instances recovering at once.
 */
import { MemorySagaStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Layer, Logger, Option, Scope } from "effect"
import { TestClock } from "effect/testing"
import {
  InvalidSagaConfig,
  SagaConfig,
  SagaOrchestrator,
  SagaRecord,
  SagaStore,
  StoreUnavailable
} from "../src/index.js"
import { fourSteps, makeWorld, type World } from "./fixtures.js"

const act = (index: number, status: SagaRecord.StepStatus, attempt = 1): SagaRecord.NewLogEntry => ({
  index,
  step: `s${index + 1}`,
  phase: "act",
  status,
  attempt
})
const undo = (index: number, status: SagaRecord.StepStatus, attempt = 1): SagaRecord.NewLogEntry => ({
  ...act(index, status, attempt),
  phase: "compensate"
})

interface Crash {
  readonly status: "running" | "compensating"
  /** Steps whose completion the crashed instance logged (their context is in the row). */
  readonly done: number
  readonly log: ReadonlyArray<SagaRecord.NewLogEntry>
  readonly changes?: SagaRecord.SagaChanges
}

/** Writes the state a crashed instance "dead" left behind; its lease expires after 1 ms. */
const crashed = (id: string, crash: Crash) =>
  Effect.gen(function* () {
    const store = yield* SagaStore.SagaStore
    const done = ["s1", "s2", "s3", "s4"].slice(0, crash.done)
    yield* store.create(
      { id, name: "four", status: "running", context: { done: [], failAt: 0 }, owner: "dead" },
      [],
      "1 millis"
    )
    yield* store.update(id, {
      version: 1,
      owner: "dead",
      changes: { status: crash.status, context: { done, failAt: 0 }, ...crash.changes },
      log: crash.log,
      lease: "1 millis"
    })
  })

const config = SagaConfig.layer({ maxRetries: 0, maxRecoveryAttempts: 2 })
const store = MemorySagaStore.layer

const cases: ReadonlyArray<{
  readonly name: string
  readonly crash: Crash
  readonly status: SagaRecord.Status
  readonly calls: ReadonlyArray<string>
}> = [
  {
    name: "running, step 1 started, nothing completed: step 1 runs again, then the rest",
    crash: { status: "running", done: 0, log: [act(0, "started")] },
    status: "completed",
    calls: ["act:s1", "act:s2", "act:s3", "act:s4"]
  },
  {
    name: "running, steps 1-2 completed, step 3 started: only steps 3 and 4 run",
    crash: {
      status: "running",
      done: 2,
      log: [act(0, "started"), act(0, "completed"), act(1, "started"), act(1, "completed"), act(2, "started")]
    },
    status: "completed",
    calls: ["act:s3", "act:s4"]
  },
  {
    name: "running, step 2 completed but step 3 not yet logged started: step 3 runs",
    crash: { status: "running", done: 2, log: [act(0, "completed"), act(1, "completed")] },
    status: "completed",
    calls: ["act:s3", "act:s4"]
  },
  {
    name: "running, step 2 between retries (failed #1, started #2): step 2 runs again",
    crash: {
      status: "running",
      done: 1,
      log: [act(0, "completed"), act(1, "started"), act(1, "failed"), act(1, "started", 2)]
    },
    status: "completed",
    calls: ["act:s2", "act:s3", "act:s4"]
  },
  {
    name: "running with every step logged completed: completes without running any",
    crash: { status: "running", done: 4, log: [0, 1, 2, 3].map((i) => act(i, "completed")) },
    status: "completed",
    calls: []
  },
  {
    name: "compensating, step 4 failed, compensation of 3 started: 3, 2, 1 are undone, no action runs",
    crash: {
      status: "compensating",
      done: 3,
      log: [
        act(0, "completed"),
        act(1, "completed"),
        act(2, "completed"),
        act(3, "failed"),
        undo(2, "started")
      ],
      changes: { failedStep: "s4", error: "Boom" }
    },
    status: "compensated",
    calls: ["undo:s3", "undo:s2", "undo:s1"]
  },
  {
    name: "compensating, step 3 timed out (effect unknown), its compensation started: 3, 2, 1 are undone",
    crash: {
      status: "compensating",
      done: 2,
      log: [act(0, "completed"), act(1, "completed"), act(2, "failed"), undo(2, "started")],
      changes: { failedStep: "s3", error: "SagaTimedOut" }
    },
    status: "compensated",
    calls: ["undo:s3", "undo:s2", "undo:s1"]
  },
  {
    name: "compensating, timed-out step 3 undone, undoing 2 started: 2 is undone again, then 1; 3 is not",
    crash: {
      status: "compensating",
      done: 2,
      log: [
        act(0, "completed"),
        act(1, "completed"),
        act(2, "failed"),
        undo(2, "started"),
        undo(2, "completed"),
        undo(1, "started")
      ],
      changes: { failedStep: "s3", error: "SagaTimedOut" }
    },
    status: "compensated",
    calls: ["undo:s2", "undo:s1"]
  },
  {
    name: "compensating, 3 undone, undoing 2 started: 2 is undone again, then 1; 3 is not",
    crash: {
      status: "compensating",
      done: 3,
      log: [
        act(0, "completed"),
        act(1, "completed"),
        act(2, "completed"),
        act(3, "failed"),
        undo(2, "started"),
        undo(2, "completed"),
        undo(1, "started")
      ],
      changes: { failedStep: "s4", error: "Boom" }
    },
    status: "compensated",
    calls: ["undo:s2", "undo:s1"]
  },
  {
    name: "compensating after a compensation failed for good: the rest run, the saga ends compensation_failed",
    crash: {
      status: "compensating",
      done: 3,
      log: [
        act(0, "completed"),
        act(1, "completed"),
        act(2, "completed"),
        act(3, "failed"),
        undo(2, "started"),
        undo(2, "failed"),
        undo(1, "started")
      ],
      changes: {
        failedStep: "s4",
        error: "Boom",
        compensationFailedStep: "s3",
        compensationError: "Boom: undo s3 failed"
      }
    },
    status: "compensation_failed",
    calls: ["undo:s2", "undo:s1"]
  }
]

const recoverOne = (world: World, id: string) =>
  Effect.gen(function* () {
    const orchestrator = yield* SagaOrchestrator.make({ owner: "rescuer", sagas: [fourSteps(world)] })
    yield* TestClock.adjust("1 second")
    const report = yield* orchestrator.recover
    return { report, execution: yield* orchestrator.status(id) }
  })

describe("recovery", () => {
  for (const c of cases) {
    it.effect(c.name, () =>
      Effect.gen(function* () {
        const world = makeWorld()
        yield* crashed("saga-1", c.crash)
        const { report, execution } = yield* recoverOne(world, "saga-1")
        assert.deepStrictEqual(
          report.recovered.map((r) => [r.sagaId, r.status]),
          [["saga-1", c.status]]
        )
        assert.strictEqual(execution.status, c.status)
        assert.deepStrictEqual(world.calls, c.calls)
        // A step that runs again keeps its idempotency key.
        for (const key of world.keys) assert.match(key, /^saga-1:s\d(:undo)?$/)
        assert.strictEqual(execution.owner, undefined)
        assert.strictEqual(execution.recoveryAttempts, 1)
        // Nothing left to recover.
        assert.deepStrictEqual(
          (yield* SagaOrchestrator.make({ owner: "other" }).pipe(Effect.flatMap((o) => o.recover))).recovered,
          []
        )
      }).pipe(Effect.provide(Layer.mergeAll(store, config)))
    )
  }

  it.effect(
    "a saga past its overall timeout is compensated on recovery, the step a crash left started included",
    () =>
      Effect.gen(function* () {
        const world = makeWorld()
        yield* crashed("late", {
          status: "running",
          done: 2,
          log: [act(0, "completed"), act(1, "completed"), act(2, "started")]
        })
        yield* TestClock.adjust("10 minutes")
        const { report } = yield* recoverOne(world, "late")
        const [result] = report.recovered
        assert.strictEqual(result?.status, "compensated")
        assert.strictEqual(result?.failedStep, "s3")
        assert.match(result?.error ?? "", /SagaTimedOut/)
        // s3 may have acted before the crash and cannot run again: it is undone with the others.
        assert.deepStrictEqual(world.calls, ["undo:s3", "undo:s2", "undo:s1"])
        assert.deepStrictEqual(result?.compensatedSteps, ["s3", "s2", "s1"])
      }).pipe(Effect.provide(Layer.mergeAll(store, config)))
  )

  it.effect("recovery attempts are bounded: past the bound the saga goes to dead_letter", () =>
    Effect.gen(function* () {
      const world = makeWorld()
      world.failing.add("act:s1")
      yield* crashed("doomed", { status: "running", done: 0, log: [act(0, "started")] })
      const sagaStore = yield* SagaStore.SagaStore
      // Three take-overs that each "crashed" again (claimed, then the lease ran out).
      for (let i = 0; i < 3; i++) {
        yield* TestClock.adjust("1 minute")
        assert.isTrue(Option.isSome(yield* sagaStore.claim("doomed", `crasher-${i}`, "1 second")))
      }
      const { report, execution } = yield* recoverOne(world, "doomed")
      assert.strictEqual(report.recovered[0]?.status, "dead_letter")
      assert.strictEqual(execution.status, "dead_letter")
      assert.match(execution.error ?? "", /recovery gave up after 2 attempts/)
      assert.deepStrictEqual(world.calls, [])
    }).pipe(Effect.provide(Layer.mergeAll(store, config)))
  )

  it.effect("a live lease of another instance is respected; once it expires the saga is taken over", () =>
    Effect.gen(function* () {
      const world = makeWorld()
      const sagaStore = yield* SagaStore.SagaStore
      yield* sagaStore.create(
        { id: "busy", name: "four", status: "running", context: { done: [], failAt: 0 }, owner: "alive" },
        [act(0, "started")],
        "30 seconds"
      )
      const rescuer = yield* SagaOrchestrator.make({ owner: "rescuer", sagas: [fourSteps(world)] })
      assert.deepStrictEqual((yield* rescuer.recover).recovered, [])
      yield* TestClock.adjust("31 seconds")
      assert.deepStrictEqual(
        (yield* rescuer.recover).recovered.map((r) => r.status),
        ["completed"]
      )
      assert.deepStrictEqual(world.calls, ["act:s1", "act:s2", "act:s3", "act:s4"])
    }).pipe(Effect.provide(Layer.mergeAll(store, config)))
  )

  it.effect("sagas of an unknown definition are reported and left alone", () =>
    Effect.gen(function* () {
      yield* crashed("orphan", { status: "running", done: 0, log: [act(0, "started")] })
      const orchestrator = yield* SagaOrchestrator.make({ owner: "rescuer" })
      yield* TestClock.adjust("1 second")
      const report = yield* orchestrator.recover
      assert.deepStrictEqual(report, { recovered: [], unknown: ["orphan"] })
      assert.strictEqual((yield* orchestrator.status("orphan")).status, "running")
    }).pipe(Effect.provide(Layer.mergeAll(store, config)))
  )

  it.effect(
    "an instance interrupted mid-step: another takes over after the lease and never re-runs a logged step",
    () =>
      Effect.gen(function* () {
        const world = makeWorld()
        const blocked = yield* Deferred.make<void>()
        const saga = fourSteps(world)
        // s3 hangs in the first instance (it "crashes" there).
        const hanging = {
          ...saga,
          steps: saga.steps.map((s) =>
            s.name === "s3"
              ? {
                  ...s,
                  action: () => Deferred.succeed(blocked, undefined).pipe(Effect.andThen(Effect.never))
                }
              : s
          )
        }
        const first = yield* SagaOrchestrator.make({ owner: "first" })
        const fiber = yield* Effect.forkChild(
          first.execute(hanging, { done: [], failAt: 0 }, { id: "interrupted" })
        )
        yield* Deferred.await(blocked)
        yield* Fiber.interrupt(fiber)
        const second = yield* SagaOrchestrator.make({ owner: "second", sagas: [saga] })
        assert.deepStrictEqual((yield* second.recover).recovered, [])
        yield* TestClock.adjust("31 seconds")
        const [result] = (yield* second.recover).recovered
        assert.strictEqual(result?.status, "completed")
        assert.deepStrictEqual(world.calls, ["act:s1", "act:s2", "act:s3", "act:s4"])
      }).pipe(Effect.provide(Layer.mergeAll(store, config)))
  )

  it.effect("two instances recovering the same sagas at once never both run one", () =>
    Effect.gen(function* () {
      const world = makeWorld()
      const ids = Array.from({ length: 40 }, (_, i) => `shared-${i}`)
      for (const id of ids)
        yield* crashed(id, { status: "running", done: 1, log: [act(0, "completed"), act(1, "started")] })
      yield* TestClock.adjust("1 second")
      const a = yield* SagaOrchestrator.make({ owner: "a", sagas: [fourSteps(world)] })
      const b = yield* SagaOrchestrator.make({ owner: "b", sagas: [fourSteps(world)] })
      const [ra, rb] = yield* Effect.all([a.recover, b.recover], { concurrency: 2 })
      const recovered = [...ra.recovered, ...rb.recovered].map((r) => r.sagaId).sort()
      assert.deepStrictEqual(recovered, [...ids].sort())
      // Each saga's remaining steps ran exactly once.
      assert.strictEqual(world.calls.length, ids.length * 3)
      assert.strictEqual(new Set(world.keys).size, world.keys.length)
    }).pipe(Effect.provide(Layer.mergeAll(store, config)))
  )
})

describe("recovery at start-up", () => {
  it.effect("recoverOnStart resumes what a crashed instance left, without being asked", () =>
    Effect.gen(function* () {
      const world = makeWorld()
      yield* crashed("boot", {
        status: "running",
        done: 1,
        log: [act(0, "completed"), act(1, "started")]
      })
      yield* TestClock.adjust("1 second")
      const orchestrator = yield* SagaOrchestrator.make({
        owner: "booted",
        sagas: [fourSteps(world)],
        recoverOnStart: true
      })
      const execution = yield* orchestrator
        .status("boot")
        .pipe(Effect.repeat({ until: (e) => e.status === "completed", times: 100 }))
      assert.strictEqual(execution.status, "completed")
      assert.deepStrictEqual(world.calls, ["act:s2", "act:s3", "act:s4"])
    }).pipe(Effect.provide(Layer.mergeAll(store, config)))
  )
})

/** The memory store, with `recoverable` counted and failing with StoreUnavailable while `down`. */
const flakyStore = () => {
  const state = { down: false, recoverableCalls: 0 }
  const layer = Layer.effect(
    SagaStore.SagaStore,
    Effect.map(MemorySagaStore.make, (inner) =>
      SagaStore.SagaStore.of({
        ...inner,
        recoverable: (owner, limit) =>
          Effect.suspend(() => {
            state.recoverableCalls++
            return state.down
              ? Effect.fail(
                  new StoreUnavailable({ store: "flaky", operation: "recoverable", detail: "down" })
                )
              : inner.recoverable(owner, limit)
          })
      })
    )
  )
  return { state, layer }
}

/** Collects warnings, to see a failed pass reported. */
const warnings = () => {
  const lines: Array<string> = []
  const layer = Logger.layer([
    Logger.make(({ logLevel, message }) => {
      if (logLevel === "Warn") lines.push(Array.isArray(message) ? message.join(" ") : String(message))
    })
  ])
  return { lines, layer }
}

/** Polls the saga's status until it is terminal (bounded, so a regression fails instead of hanging). */
const settled = (orchestrator: SagaOrchestrator.SagaOrchestratorShape, id: string) =>
  orchestrator.status(id).pipe(
    Effect.tap(() => Effect.yieldNow),
    Effect.repeat({ until: (e) => SagaRecord.isTerminal(e.status), times: 200 })
  )

/** Lets background fibers run for a while without moving the clock. */
const settle = Effect.repeat(Effect.yieldNow, { times: 200 })

describe("periodic recovery (recoverEvery)", () => {
  const shortLease = SagaConfig.layer({ maxRetries: 0, leaseDuration: "1 second" })

  it.effect("a survivor finishes the saga of an instance that died, once its lease expired, unasked", () =>
    Effect.gen(function* () {
      const world = makeWorld()
      const saga = fourSteps(world)
      const blocked = yield* Deferred.make<void>()
      // In instance "a", s3 hangs until "a" dies.
      const hanging = {
        ...saga,
        steps: saga.steps.map((s) =>
          s.name === "s3"
            ? { ...s, action: () => Deferred.succeed(blocked, undefined).pipe(Effect.andThen(Effect.never)) }
            : s
        )
      }
      const aScope = yield* Scope.make()
      const a = yield* Scope.provide(aScope)(SagaOrchestrator.make({ owner: "a" }))
      const id = yield* a.start(hanging, { done: [], failAt: 0 }, { id: "orphaned" })
      yield* Deferred.await(blocked)
      yield* Scope.close(aScope, Exit.void)

      const b = yield* SagaOrchestrator.make({ owner: "b", sagas: [saga], recoverEvery: "5 seconds" })
      // The lease has expired, but b's first pass comes only after one interval.
      yield* TestClock.adjust("2 seconds")
      yield* settle
      const before = yield* b.status(id)
      assert.strictEqual(before.status, "running")
      assert.strictEqual(before.owner, "a")

      yield* TestClock.adjust("5 seconds")
      const after = yield* settled(b, id)
      assert.strictEqual(after.status, "completed")
      assert.strictEqual(after.owner, undefined)
      assert.strictEqual(after.recoveryAttempts, 1)
      // s1 and s2 ran in "a" and were not run again; s3 (never completed there) and s4 ran in "b".
      assert.deepStrictEqual(world.calls, ["act:s1", "act:s2", "act:s3", "act:s4"])
      assert.deepStrictEqual(after.context, { done: ["s1", "s2", "s3", "s4"], failAt: 0 })
    }).pipe(Effect.provide(Layer.mergeAll(store, shortLease)))
  )

  it.effect("a pass that finds the store down is logged and the next pass recovers", () => {
    const flaky = flakyStore()
    const logs = warnings()
    return Effect.gen(function* () {
      const world = makeWorld()
      yield* crashed("c1", { status: "running", done: 1, log: [act(0, "completed"), act(1, "started")] })
      flaky.state.down = true
      const b = yield* SagaOrchestrator.make({
        owner: "b",
        sagas: [fourSteps(world)],
        recoverEvery: "5 seconds"
      })
      yield* TestClock.adjust("5 seconds")
      yield* settle
      assert.strictEqual(flaky.state.recoverableCalls, 1)
      assert.strictEqual((yield* b.status("c1")).status, "running")
      assert.deepStrictEqual(logs.lines, [
        "periodic saga recovery failed: flaky unavailable during recoverable: down"
      ])

      flaky.state.down = false
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual((yield* settled(b, "c1")).status, "completed")
      assert.deepStrictEqual(world.calls, ["act:s2", "act:s3", "act:s4"])
    }).pipe(Effect.provide(Layer.mergeAll(flaky.layer, shortLease, logs.layer)))
  })

  it.effect("with recoverOnStart, the first pass runs at start and the next one an interval later", () => {
    const counted = flakyStore()
    return Effect.gen(function* () {
      yield* SagaOrchestrator.make({ owner: "b", recoverOnStart: true, recoverEvery: "5 seconds" })
      yield* settle
      assert.strictEqual(counted.state.recoverableCalls, 1)
      yield* TestClock.adjust("4 seconds")
      yield* settle
      assert.strictEqual(counted.state.recoverableCalls, 1)
      yield* TestClock.adjust("1 second")
      yield* settle
      assert.strictEqual(counted.state.recoverableCalls, 2)
    }).pipe(Effect.provide(Layer.mergeAll(counted.layer, shortLease)))
  })

  it.effect("the passes stop when the orchestrator's layer is released", () => {
    const counted = flakyStore()
    return Effect.gen(function* () {
      const world = makeWorld()
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(
        SagaOrchestrator.layer({ owner: "b", sagas: [fourSteps(world)], recoverEvery: "5 seconds" }),
        scope
      )
      yield* TestClock.adjust("5 seconds")
      yield* settle
      assert.strictEqual(counted.state.recoverableCalls, 1)
      yield* Scope.close(scope, Exit.void)
      yield* crashed("late", { status: "running", done: 0, log: [act(0, "started")] })
      yield* TestClock.adjust("1 minute")
      yield* settle
      assert.strictEqual(counted.state.recoverableCalls, 1)
      assert.strictEqual(
        Option.map(yield* SagaStore.get("late"), (r) => r.status).pipe(Option.getOrUndefined),
        "running"
      )
      assert.deepStrictEqual(world.calls, [])
    }).pipe(Effect.provide(Layer.mergeAll(counted.layer, shortLease)))
  })

  it.effect("a recoverEvery that is not positive is refused with InvalidSagaConfig", () =>
    Effect.gen(function* () {
      for (const recoverEvery of ["0 millis", "-1 seconds"] as const) {
        const error = yield* Effect.flip(SagaOrchestrator.make({ recoverEvery }))
        assert.instanceOf(error, InvalidSagaConfig)
        assert.strictEqual(error.setting, "recoverEvery")
      }
    }).pipe(Effect.provide(Layer.mergeAll(store, shortLease)))
  )
})
