/**
 * Seed 003's `OrderPlacementSaga`: reserve inventory → process payment → create order → confirm
 * order; a failed step undoes the completed ones in reverse (release stock, refund, cancel order).
 *
 * Every step names what it touches after the saga (reservation, payment and order ids), so a step run
 * again after a crash acts once, and a compensation finds what its step did even when the step was cut
 * by the saga's timeout before it could record it in the context (then it may have done nothing, and
 * its compensation does nothing).
 */
import { Command, CommandBus } from "@cello/cqrs"
import { Saga, SagaOrchestrator, type SagaRecord } from "@cello/saga"
import { DateTime, Effect, Option, Schema } from "effect"
import { Rounded, Stored } from "../money.js"
import { withFreshId } from "../schemas.js"
import {
  CancelOrder,
  ConfirmOrder,
  CreateOrderWithId,
  OrderInput,
  ProcessPayment,
  RefundPayment,
  ReleaseStock,
  ReserveStock,
  totalOf
} from "./commands.js"

export const PlacementContext = Schema.Struct({
  user_id: Schema.String,
  product: Schema.String,
  quantity: Schema.Int,
  price: Rounded,
  reserved_quantity: Schema.optionalKey(Schema.Int),
  payment_id: Schema.optionalKey(Schema.String),
  order_id: Schema.optionalKey(Schema.String)
})
export type PlacementContext = typeof PlacementContext.Type

/** `saga-1a2b3c4d` → `pay-1a2b3c4d`: a retried payment step charges the same payment once. */
const paymentIdOf = (sagaId: string) => `pay-${sagaId.slice(sagaId.lastIndexOf("-") + 1)}`

/** `saga-1a2b3c4d` → `order-saga-1a2b3c4d`: apart from the ids `POST /orders` draws (`order-1a2b3c4d`). */
const orderIdOf = (sagaId: string) => `order-${sagaId}`

export const PlaceOrderSaga = Saga.make({
  name: "OrderPlacementSaga",
  context: PlacementContext,
  steps: [
    {
      name: "reserve_inventory",
      action: (c, { sagaId }) =>
        Effect.as(
          CommandBus.dispatch(ReserveStock, {
            product: c.product,
            quantity: c.quantity,
            reservation: sagaId
          }),
          {
            ...c,
            reserved_quantity: c.quantity
          }
        ),
      // Releases what the reservation holds: nothing if it was never made.
      compensate: (c, { sagaId }) =>
        CommandBus.dispatch(ReleaseStock, {
          product: c.product,
          quantity: c.reserved_quantity ?? c.quantity,
          reservation: sagaId
        })
    },
    {
      name: "process_payment",
      action: (c, { sagaId }) => {
        const payment_id = paymentIdOf(sagaId)
        return Effect.as(
          CommandBus.dispatch(ProcessPayment, {
            payment_id,
            user_id: c.user_id,
            amount: totalOf(c)
          }),
          { ...c, payment_id }
        )
      },
      // Refunds a completed payment of this saga; nothing if it was never charged.
      compensate: (_c, { sagaId }) => CommandBus.dispatch(RefundPayment, { payment_id: paymentIdOf(sagaId) })
    },
    {
      name: "create_order",
      action: (c, { sagaId }) =>
        Effect.as(
          CommandBus.dispatch(CreateOrderWithId, {
            order_id: orderIdOf(sagaId),
            user_id: c.user_id,
            product: c.product,
            quantity: c.quantity,
            price: c.price
          }),
          { ...c, order_id: orderIdOf(sagaId) }
        ),
      compensate: (_c, { sagaId }) =>
        CommandBus.dispatch(CancelOrder, {
          order_id: orderIdOf(sagaId),
          reason: "Saga compensation - rolling back"
        }).pipe(
          // Already cancelled is what the compensation wants; never created, nothing to cancel.
          Effect.catchTags({ OrderRejected: () => Effect.void, OrderNotFound: () => Effect.void })
        )
    },
    {
      name: "confirm_order",
      action: (c) =>
        c.order_id === undefined || c.payment_id === undefined
          ? Effect.die(new Error("confirm_order ran before create_order and process_payment"))
          : Effect.as(
              CommandBus.dispatch(ConfirmOrder, { order_id: c.order_id, payment_id: c.payment_id }),
              c
            )
    }
  ]
})

/** How a placement ended: the seed's success body, or the failed step and why. */
export const Placement = Schema.Struct({
  saga_id: Schema.String,
  status: Schema.String,
  order_id: Schema.NullOr(Schema.String),
  payment_id: Schema.NullOr(Schema.String),
  product: Schema.String,
  quantity: Schema.Int,
  total: Stored,
  failed_step: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  compensated_steps: Schema.Array(Schema.String)
})
export type Placement = typeof Placement.Type

export const PlaceOrder = Command.make("PlaceOrder", { payload: OrderInput, success: Placement })

/** `"InsufficientStock: Insufficient stock for ..."` → the message a client reads. */
export const reasonOf = (error: string | undefined): string | null =>
  error === undefined ? null : error.replace(/^[A-Za-z]+: /, "")

export const handlers = CommandBus.handler(PlaceOrder, (input) =>
  Effect.map(
    withFreshId(
      "saga",
      (id) =>
        SagaOrchestrator.execute<PlacementContext, CommandBus.CommandBus>(PlaceOrderSaga, input, { id }),
      (error) => error._tag === "SagaAlreadyExists"
    ),
    (result): Placement => ({
      saga_id: result.sagaId,
      status: result.status,
      order_id: result.context.order_id ?? null,
      payment_id: result.context.payment_id ?? null,
      product: input.product,
      quantity: input.quantity,
      total: totalOf(input),
      failed_step: result.failedStep ?? null,
      error: reasonOf(result.error),
      compensated_steps: result.compensatedSteps
    })
  )
)

/** An entry of `/saga/status`'s history, from the saga store. */
export const HistoryEntry = Schema.Struct({
  saga: Schema.String,
  saga_id: Schema.String,
  status: Schema.String,
  success: Schema.Boolean,
  context: Schema.Struct({
    user_id: Schema.NullOr(Schema.String),
    product: Schema.NullOr(Schema.String),
    quantity: Schema.NullOr(Schema.Int),
    order_id: Schema.NullOr(Schema.String),
    payment_id: Schema.NullOr(Schema.String)
  }),
  step: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  timestamp: Schema.String
})
export type HistoryEntry = typeof HistoryEntry.Type

const decodeContext = Schema.decodeUnknownOption(Schema.toCodecJson(PlacementContext))

export const historyEntry = (record: SagaRecord.SagaRecord): HistoryEntry => {
  const context = Option.getOrUndefined(decodeContext(record.context))
  return {
    saga: record.name,
    saga_id: record.id,
    status: record.status,
    success: record.status === "completed",
    context: {
      user_id: context?.user_id ?? null,
      product: context?.product ?? null,
      quantity: context?.quantity ?? null,
      order_id: context?.order_id ?? null,
      payment_id: context?.payment_id ?? null
    },
    step: record.failedStep ?? null,
    error: reasonOf(record.error),
    timestamp: DateTime.formatIso(record.createdAt)
  }
}
