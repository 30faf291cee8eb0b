/**
 * The seed's money transfer as a saga: register it, withdraw from the source, deposit to the
 * destination, record the transfer on both. When the deposit fails (a closed or unknown destination),
 * the withdrawal is compensated by a re-deposit; when any step fails, undoing the registration
 * records `TransferFailed` on the source. So the failure is recorded by a compensation: retried while
 * the account is contended, and taken up again by recovery after a crash or a `compensation_failed`.
 * The saga store keeps every run and its step log.
 *
 * Retries: a step's typed rejection (insufficient funds, a closed account) is not retried — the
 * default policy retries only transient failures (a write conflict, a store outage, a timeout); the
 * compensations keep retrying those with backoff (`SagaConfig.compensationRetryFor`).
 *
 * Recovery runs a step again when its effect was committed but its completion not yet logged, and a
 * compensation again when it was cut short: every move names its operation (the step's idempotency
 * key, and that key plus `:compensation` for its undoing), which the account applies once. A step
 * cut by the saga's timeout is compensated without knowing whether it moved money: its undoing names
 * the operation it undoes and does nothing where that one was never applied.
 */
import { Command, CommandBus } from "@cello/cqrs"
import { Saga, SagaOrchestrator, type SagaResult } from "@cello/saga"
import { Effect, Layer, Option, Schema } from "effect"
import { PositiveAmount, Rounded } from "../money.js"
import { epochSeconds, Id, withFreshId } from "../schemas.js"
import { DepositOnce, RecordTransfer, WithdrawOnce } from "./commands.js"

export const TransferContext = Schema.Struct({
  from_account: Id,
  to_account: Id,
  amount: Rounded
})
export type TransferContext = typeof TransferContext.Type

/** The first step: it does nothing, and undoing it records the failure (`TransferFailed`). */
export const registerStep = "register"

// A write conflict on a busy account that the repository's own retries did not absorb is retried
// here too (the move names its operation, so it applies once); a rejection is never retried.
const contended = { maxRetries: 6 }

/** The operation that undoes a step's: distinct from the step's own on the same account. */
const undoing = (info: Saga.StepInfo) => `${info.idempotencyKey}:compensation`

export const TransferSaga = Saga.make({
  name: "MoneyTransfer",
  context: TransferContext,
  steps: [
    {
      name: registerStep,
      action: (t) => Effect.succeed(t),
      // Recorded once per transfer (see `Account.failTransfer`), whatever made the saga fail.
      compensate: (t, info) =>
        CommandBus.dispatch(RecordTransfer, {
          transfer_id: info.sagaId,
          accounts: [t.from_account],
          error: info.failure ?? "transfer undone"
        })
    },
    {
      name: "withdraw",
      retry: contended,
      action: (t, info) =>
        Effect.as(
          CommandBus.dispatch(WithdrawOnce, {
            account_id: t.from_account,
            amount: t.amount,
            reason: `Transfer ${info.sagaId}`,
            operation: info.idempotencyKey
          }),
          t
        ),
      compensate: (t, info) =>
        CommandBus.dispatch(DepositOnce, {
          account_id: t.from_account,
          amount: t.amount,
          reason: `Compensation for ${info.sagaId}`,
          operation: undoing(info),
          undoes: info.idempotencyKey
        })
    },
    {
      name: "deposit",
      retry: contended,
      action: (t, info) =>
        Effect.as(
          CommandBus.dispatch(DepositOnce, {
            account_id: t.to_account,
            amount: t.amount,
            reason: `Transfer ${info.sagaId}`,
            operation: info.idempotencyKey
          }),
          t
        ),
      compensate: (t, info) =>
        CommandBus.dispatch(WithdrawOnce, {
          account_id: t.to_account,
          amount: t.amount,
          reason: `Compensation for ${info.sagaId}`,
          operation: undoing(info),
          undoes: info.idempotencyKey
        })
    },
    {
      // Recorded once per account and transfer (see `Account.completeTransfer`). Retried longer: a
      // write conflict here must not undo a transfer whose money has moved.
      name: "complete",
      retry: { maxRetries: 8 },
      action: (t, { sagaId }) =>
        Effect.as(
          CommandBus.dispatch(RecordTransfer, {
            transfer_id: sagaId,
            accounts: [t.from_account, t.to_account]
          }),
          t
        )
    }
  ]
})

/** A transfer saga as the seed shows it. */
export const TransferView = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  status: Schema.String,
  from_account: Schema.String,
  to_account: Schema.String,
  amount: Rounded,
  steps: Schema.Array(Schema.Struct({ name: Schema.String, status: Schema.String })),
  error: Schema.optionalKey(Schema.String),
  started_at: Schema.Number,
  completed_at: Schema.optionalKey(Schema.Number)
})
export type TransferView = typeof TransferView.Type

const decodeContext = Schema.decodeUnknownOption(Schema.toCodecJson(TransferContext))

/** The view of a stored transfer saga; `None` for a saga of another kind. */
export const transferView = (execution: SagaResult.Execution): Option.Option<TransferView> => {
  if (execution.name !== TransferSaga.name) return Option.none()
  return Option.map(decodeContext(execution.context), (context) => {
    // The registration is bookkeeping: the seed's view shows the steps that move money.
    const steps = execution.stepsCompleted
      .filter((name) => name !== registerStep)
      .map((name) => ({
        name,
        status: execution.compensatedSteps.includes(name) ? "compensated" : "completed"
      }))
    const failed =
      execution.failedStep === undefined ? [] : [{ name: execution.failedStep, status: "failed" }]
    const finished = execution.status !== "running" && execution.status !== "compensating"
    return {
      id: execution.id,
      type: execution.name,
      status: execution.status,
      ...context,
      steps: [...steps, ...failed],
      ...(execution.error === undefined ? {} : { error: execution.error }),
      started_at: epochSeconds(execution.createdAt),
      ...(finished ? { completed_at: epochSeconds(execution.updatedAt) } : {})
    }
  })
}

export const Transfer = Command.make("Transfer", {
  payload: { from_account: Id, to_account: Id, amount: PositiveAmount },
  success: TransferView
})

export const handlers = CommandBus.handler(Transfer, (context) =>
  Effect.gen(function* () {
    const result = yield* withFreshId(
      "saga",
      (id) => SagaOrchestrator.execute(TransferSaga, context, { id }),
      (error) => error._tag === "SagaAlreadyExists"
    )
    const view = transferView(yield* SagaOrchestrator.status(result.sagaId))
    return Option.isSome(view)
      ? view.value
      : yield* Effect.die(new Error(`saga ${result.sagaId} has no view`))
  })
)

export const layer = Layer.mergeAll(handlers)
