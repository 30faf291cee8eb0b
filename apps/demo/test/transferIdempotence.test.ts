/**
 * The transfer saga moves money once per step, however often recovery runs the step again. A crash is
 * staged as the saga store and the accounts would hold it: the step log says a step (or a
 * compensation) started, and its effect is committed; then `SagaOrchestrator.recover` resumes the
 * saga, which runs that step again. In process, on the memory store, with the aggregates loaded both
 * by replaying their events and from snapshots.
 */
import { CommandBus } from "@cello/cqrs"
import { EventSourcingConfig, EventStore, Repository } from "@cello/eventsourcing"
import { type Saga, SagaOrchestrator, type SagaRecord, SagaStore } from "@cello/saga"
import { MemoryStore } from "@cello/store-memory"
import { Duration, Effect, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as Account from "../src/bank/account.js"
import * as Bank from "../src/bank/commands.js"
import { type TransferContext, TransferSaga } from "../src/bank/transferSaga.js"

const owner = "node-1"

const layer = (snapshotInterval: number) =>
  Bank.handlers.pipe(
    // The crashed sagas are staged as this owner's: a restarted instance resumes its own at once.
    Layer.provideMerge(SagaOrchestrator.layer({ sagas: [TransferSaga], owner })),
    Layer.provideMerge(CommandBus.layer()),
    Layer.provideMerge(MemoryStore.layer),
    Layer.provideMerge(EventSourcingConfig.layer({ snapshotInterval }))
  )

type Services = Layer.Success<ReturnType<typeof layer>>

const openAccount = (initial_balance: number) =>
  Effect.map(CommandBus.dispatch(Bank.OpenAccount, { owner: "Test", initial_balance }), (r) => r.account_id)

const balance = (id: string) =>
  Effect.map(Repository.load(Account.Account, id), (loaded) => loaded.state.balance)

/** The account's events by type, in order: what the history endpoint would list. */
const history = (id: string) =>
  Effect.map(EventStore.readStream(Account.Account.streamId(id)), (events) => events.map((e) => e.type))

const act = (index: number, step: string, status: SagaRecord.StepStatus): SagaRecord.NewLogEntry => ({
  index,
  step,
  phase: "act",
  status,
  attempt: 1
})

const undo = (index: number, step: string): SagaRecord.NewLogEntry => ({
  index,
  step,
  phase: "compensate",
  status: "started",
  attempt: 1
})

/** The first step (it does nothing; undoing it records `TransferFailed`), done. */
const registered: ReadonlyArray<SagaRecord.NewLogEntry> = [
  act(0, "register", "started"),
  act(0, "register", "completed")
]

/** The log up to a deposit that failed with `error`. */
const depositFailed = (error: string): ReadonlyArray<SagaRecord.NewLogEntry> => [
  ...registered,
  act(1, "withdraw", "started"),
  act(1, "withdraw", "completed"),
  act(2, "deposit", "started"),
  { ...act(2, "deposit", "failed"), error }
]

interface Crash {
  readonly status: "running" | "compensating"
  /** The step log as the crashed instance left it. */
  readonly log: ReadonlyArray<SagaRecord.NewLogEntry>
  /** The actions and compensations whose effects were committed before the crash, in order. */
  readonly committed: ReadonlyArray<readonly [step: string, phase: SagaRecord.Phase]>
}

/** Stores the saga as a crash left it, with the committed effects applied as the saga applied them. */
const stage = (sagaId: string, context: TransferContext, crash: Crash) =>
  Effect.gen(function* () {
    const store = yield* SagaStore.SagaStore
    const encoded = yield* Schema.encodeEffect(TransferSaga.contextJson)(context)
    yield* store.create(
      { id: sagaId, name: TransferSaga.name, status: crash.status, context: encoded, owner },
      crash.log,
      Duration.minutes(1)
    )
    for (const [name, phase] of crash.committed) {
      const step = yield* Effect.fromNullishOr(TransferSaga.steps.find((s) => s.name === name))
      // The key the orchestrator gives the step (see `Saga.StepInfo`).
      const info: Saga.StepInfo = {
        sagaId,
        saga: TransferSaga.name,
        step: name,
        attempt: 1,
        idempotencyKey: `${sagaId}:${name}`
      }
      if (phase === "act") yield* step.action(context, info)
      else yield* step.compensate?.(context, info) ?? Effect.void
    }
  })

/** Stages the crash, recovers, and answers the saga's status, the balances and the histories. */
const recoverFrom = (crash: Crash, accounts: { readonly to: "open" | "closed" }) =>
  Effect.gen(function* () {
    const from = yield* openAccount(100)
    const to = yield* openAccount(0)
    if (accounts.to === "closed") yield* CommandBus.dispatch(Bank.CloseAccount, { account_id: to })
    yield* stage("saga-crashed", { from_account: from, to_account: to, amount: 30 }, crash)
    const report = yield* SagaOrchestrator.recover
    const saga = yield* SagaOrchestrator.status("saga-crashed")
    return {
      recovered: report.recovered.length,
      status: saga.status,
      from: { balance: yield* balance(from), history: yield* history(from) },
      to: { balance: yield* balance(to), history: yield* history(to) }
    }
  })

const completed = {
  status: "completed",
  from: { balance: 70, history: ["AccountOpened", "MoneyWithdrawn", "TransferCompleted"] },
  to: { balance: 30, history: ["AccountOpened", "MoneyDeposited", "TransferCompleted"] }
}

const forwardCrashes: ReadonlyArray<{ readonly crashed: string } & Omit<Crash, "status">> = [
  {
    crashed: "after the withdrawal",
    log: [...registered, act(1, "withdraw", "started")],
    committed: [["withdraw", "act"]]
  },
  {
    crashed: "after the deposit",
    log: [
      ...registered,
      act(1, "withdraw", "started"),
      act(1, "withdraw", "completed"),
      act(2, "deposit", "started")
    ],
    committed: [
      ["withdraw", "act"],
      ["deposit", "act"]
    ]
  },
  {
    crashed: "after recording the transfer",
    log: [
      ...registered,
      act(1, "withdraw", "started"),
      act(1, "withdraw", "completed"),
      act(2, "deposit", "started"),
      act(2, "deposit", "completed"),
      act(3, "complete", "started")
    ],
    committed: [
      ["withdraw", "act"],
      ["deposit", "act"],
      ["complete", "act"]
    ]
  }
]

describe.each([
  { loaded: "by replaying events", snapshotInterval: 0 },
  { loaded: "from snapshots", snapshotInterval: 1 }
])("accounts loaded $loaded", ({ snapshotInterval }) => {
  const run = <A, E>(program: Effect.Effect<A, E, Services>) =>
    Effect.runPromise(Effect.provide(program, layer(snapshotInterval)))

  it("applies a deposit or withdrawal naming an operation once; HTTP moves (no operation) every time", async () => {
    const result = await run(
      Effect.gen(function* () {
        const id = yield* openAccount(100)
        const withdraw = { account_id: id, amount: 60, operation: "op-1" }
        const first = yield* CommandBus.dispatch(Bank.WithdrawOnce, withdraw)
        // Sent again with 40 left: already applied, so neither withdrawn again nor refused.
        const again = yield* CommandBus.dispatch(Bank.WithdrawOnce, withdraw)
        const deposit = { account_id: id, amount: 10, operation: "op-2" }
        yield* CommandBus.dispatch(Bank.DepositOnce, deposit)
        const deposited = yield* CommandBus.dispatch(Bank.DepositOnce, deposit)
        yield* CommandBus.dispatch(Bank.Withdraw, { account_id: id, amount: 5 })
        const plain = yield* CommandBus.dispatch(Bank.Withdraw, { account_id: id, amount: 5 })
        return { first, again, deposited, plain: plain.new_balance, history: yield* history(id) }
      })
    )
    expect(result).toEqual({
      first: { applied: true, new_balance: 40 },
      again: { applied: false, new_balance: 40 },
      deposited: { applied: false, new_balance: 50 },
      plain: 40,
      history: ["AccountOpened", "MoneyWithdrawn", "MoneyDeposited", "MoneyWithdrawn", "MoneyWithdrawn"]
    })
  })

  it.each(forwardCrashes)(
    "recovers a transfer that crashed $crashed, before the step was logged: once",
    async ({ log, committed }) => {
      const result = await run(recoverFrom({ status: "running", log, committed }, { to: "open" }))
      expect(result).toEqual({ recovered: 1, ...completed })
    }
  )

  // The saga's timeout cut the deposit: it may or may not have moved money, so it is compensated with
  // the withdrawal, and its undoing takes money back only where the deposit was applied.
  it.each([
    {
      deposit: "was applied",
      committed: ["deposit"],
      to: ["AccountOpened", "MoneyDeposited", "MoneyWithdrawn"]
    },
    { deposit: "never happened", committed: [], to: ["AccountOpened"] }
  ])("compensates a deposit cut by the saga's timeout that $deposit: balances restored", async (c) => {
    const result = await run(
      recoverFrom(
        {
          status: "compensating",
          log: [
            ...depositFailed('SagaTimedOut: saga "MoneyTransfer" timed out after 5m'),
            undo(2, "deposit")
          ],
          committed: [["withdraw", "act"], ...c.committed.map((step) => [step, "act"] as const)]
        },
        { to: "open" }
      )
    )
    expect(result).toEqual({
      recovered: 1,
      status: "compensated",
      from: {
        balance: 100,
        history: ["AccountOpened", "MoneyWithdrawn", "MoneyDeposited", "TransferFailed"]
      },
      to: { balance: 0, history: c.to }
    })
  })

  it("recovers a transfer that crashed while re-depositing the withdrawal: refunded once", async () => {
    const result = await run(
      recoverFrom(
        {
          status: "compensating",
          log: [...depositFailed("Account is not active"), undo(1, "withdraw")],
          committed: [
            ["withdraw", "act"],
            ["withdraw", "compensate"]
          ]
        },
        { to: "closed" }
      )
    )
    expect(result).toEqual({
      recovered: 1,
      status: "compensated",
      from: {
        balance: 100,
        history: ["AccountOpened", "MoneyWithdrawn", "MoneyDeposited", "TransferFailed"]
      },
      to: { balance: 0, history: ["AccountOpened", "AccountClosed"] }
    })
  })

  it("recovers a transfer that crashed while taking the deposit back: each undone once", async () => {
    const result = await run(
      recoverFrom(
        {
          status: "compensating",
          log: [
            ...registered,
            act(1, "withdraw", "started"),
            act(1, "withdraw", "completed"),
            act(2, "deposit", "started"),
            act(2, "deposit", "completed"),
            act(3, "complete", "started"),
            { ...act(3, "complete", "failed"), error: "store unavailable" },
            undo(2, "deposit")
          ],
          committed: [
            ["withdraw", "act"],
            ["deposit", "act"],
            ["deposit", "compensate"]
          ]
        },
        { to: "open" }
      )
    )
    expect(result).toEqual({
      recovered: 1,
      status: "compensated",
      from: {
        balance: 100,
        history: ["AccountOpened", "MoneyWithdrawn", "MoneyDeposited", "TransferFailed"]
      },
      to: { balance: 0, history: ["AccountOpened", "MoneyDeposited", "MoneyWithdrawn"] }
    })
  })
})
