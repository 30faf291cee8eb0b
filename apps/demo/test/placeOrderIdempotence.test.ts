/**
 * The order placement saga acts once per step, however often recovery runs a step again, and its
 * compensations find what their step did from the saga id alone: a step cut by the saga's timeout
 * (its effect unknown) is undone where it acted and left alone where it did not. A crash is staged as
 * the saga store and the streams would hold it; `SagaOrchestrator.recover` resumes the saga. In
 * process, on the memory store.
 */
import { CommandBus } from "@cello/cqrs"
import { EventStore, Repository } from "@cello/eventsourcing"
import { type Saga, SagaOrchestrator, type SagaRecord, SagaStore } from "@cello/saga"
import { MemoryStore } from "@cello/store-memory"
import { Duration, Effect, Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as Shop from "../src/shop/commands.js"
import * as Inventory from "../src/shop/inventory.js"
import { type PlacementContext, PlaceOrderSaga } from "../src/shop/placeOrderSaga.js"

const owner = "node-1"
const sagaId = "saga-crashed"

const layer = Shop.handlers.pipe(
  Layer.provideMerge(SagaOrchestrator.layer({ sagas: [PlaceOrderSaga], owner })),
  Layer.provideMerge(CommandBus.layer()),
  Layer.provideMerge(MemoryStore.layer)
)

const entry = (
  index: number,
  phase: SagaRecord.Phase,
  status: SagaRecord.StepStatus,
  error?: string
): SagaRecord.NewLogEntry => ({
  index,
  step: PlaceOrderSaga.steps[index]?.name ?? "",
  phase,
  status,
  attempt: 1,
  ...(error === undefined ? {} : { error })
})

const timedOut = 'SagaTimedOut: saga "OrderPlacementSaga" timed out after 5m'
const input: PlacementContext = { user_id: "u-1", product: "Widget", quantity: 3, price: 10 }

/**
 * Stores the saga as a crash left it: `completed` steps logged completed (their context stored),
 * `acted` steps' effects committed by running their actions as the saga would have.
 */
const stage = (status: SagaRecord.Status, log: ReadonlyArray<SagaRecord.NewLogEntry>, acted: number) =>
  Effect.gen(function* () {
    let context = input
    let stored = input
    const completed = log.filter((e) => e.phase === "act" && e.status === "completed").length
    for (const [index, step] of PlaceOrderSaga.steps.slice(0, acted).entries()) {
      const info: Saga.StepInfo = {
        sagaId,
        saga: PlaceOrderSaga.name,
        step: step.name,
        attempt: 1,
        idempotencyKey: `${sagaId}:${step.name}`
      }
      context = yield* step.action(context, info)
      if (index < completed) stored = context
    }
    const encoded = yield* Schema.encodeEffect(PlaceOrderSaga.contextJson)(stored)
    yield* (yield* SagaStore.SagaStore).create(
      { id: sagaId, name: PlaceOrderSaga.name, status, context: encoded, owner },
      log,
      Duration.minutes(1)
    )
  })

const started = [entry(0, "act", "started"), entry(0, "act", "completed"), entry(1, "act", "started")]
const paid = [...started, entry(1, "act", "completed"), entry(2, "act", "started")]
/** create_order cut by the saga's timeout, its compensation started when the crash came. */
const createOrderCut = [...paid, entry(2, "act", "failed", timedOut), entry(2, "compensate", "started")]

describe("the order placement saga, recovered", () => {
  it.each([
    {
      crash: "after create_order committed, before it was logged: the order is created once",
      status: "running" as const,
      log: paid,
      acted: 3,
      saga: "completed",
      events: { OrderCreated: 1, OrderConfirmed: 1, PaymentProcessed: 1, StockReserved: 1 },
      available: 97
    },
    {
      crash: "when create_order, cut by the timeout after it acted, was being compensated: all undone",
      status: "compensating" as const,
      log: createOrderCut,
      acted: 3,
      saga: "compensated",
      events: {
        OrderCreated: 1,
        OrderCancelled: 1,
        PaymentProcessed: 1,
        PaymentRefunded: 1,
        StockReserved: 1,
        StockReleased: 1
      },
      available: 100
    },
    {
      crash: "when create_order, cut by the timeout before it acted, was being compensated: no order",
      status: "compensating" as const,
      log: createOrderCut,
      acted: 2,
      saga: "compensated",
      events: { PaymentProcessed: 1, PaymentRefunded: 1, StockReserved: 1, StockReleased: 1 },
      available: 100
    },
    {
      crash: "when the payment, cut by the timeout before it acted, was being compensated: nothing refunded",
      status: "compensating" as const,
      log: [...started, entry(1, "act", "failed", timedOut), entry(1, "compensate", "started")],
      acted: 1,
      saga: "compensated",
      events: { StockReserved: 1, StockReleased: 1 },
      available: 100
    }
  ])("$crash", async (c) => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        yield* Inventory.seed
        yield* stage(c.status, c.log, c.acted)
        const report = yield* SagaOrchestrator.recover
        const events: Record<string, number> = {}
        for (const e of yield* EventStore.readAll())
          if (e.type !== "StockAdded") events[e.type] = (events[e.type] ?? 0) + 1
        const widget = yield* Repository.load(Inventory.Product, "Widget")
        return {
          recovered: report.recovered.length,
          saga: (yield* SagaOrchestrator.status(sagaId)).status,
          events,
          available: widget.state.available
        }
      }).pipe(Effect.provide(layer))
    )
    expect(result).toEqual({ recovered: 1, saga: c.saga, events: c.events, available: c.available })
  })
})
