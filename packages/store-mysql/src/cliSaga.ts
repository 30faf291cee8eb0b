/**
 * The saga commands of `cello-mysql`, for operators:
 * - `saga list [--status compensation_failed]`: the newest sagas (up to 100), one a line;
 * - `saga retry <id>`: takes a `compensation_failed` saga back to `compensating` with no owner.
 *
 * The command cannot run compensations itself — they are the app's code — so `retry` hands the saga
 * to the app: the next `recover` pass of any instance that knows the saga (`recoverEvery`, or a
 * restart) takes it over and runs the compensations that did not complete.
 */
import { SagaRecord, SagaStore } from "@cello/saga"
import { Data, Effect, Option } from "effect"
import { MysqlDatabase } from "./MysqlDatabase.js"
import * as MysqlSagaStore from "./MysqlSagaStore.js"

/** A refusal the operator should read (exit code 1), as opposed to a store failure. */
export class SagaCommandRefused extends Data.TaggedError("SagaCommandRefused")<{
  readonly message: string
}> {}

const line = (saga: SagaRecord.SagaRecord) =>
  [
    saga.id,
    saga.name,
    saga.status,
    saga.compensationFailedStep === undefined
      ? ""
      : `compensation of ${saga.compensationFailedStep} failed: ${saga.compensationError ?? ""}`
  ]
    .join("\t")
    .trimEnd()

export const list = (status: string | undefined) =>
  Effect.gen(function* () {
    if (status !== undefined && !SagaRecord.isStatus(status))
      return yield* Effect.fail(
        new SagaCommandRefused({
          message: `"${status}" is not a saga status; use one of ${SagaRecord.statuses.join(", ")}`
        })
      )
    const store = yield* MysqlSagaStore.make
    const sagas = yield* store.list(status === undefined ? {} : { status })
    return sagas.map(line).join("\n")
  })

export const retry = (id: string) =>
  Effect.gen(function* () {
    const store = yield* MysqlSagaStore.make
    const database = yield* MysqlDatabase
    const reopened = yield* SagaStore.reopenForRecovery(id).pipe(
      Effect.provideService(SagaStore.SagaStore, store),
      Effect.catchTags({
        SagaNotFound: () => Effect.fail(new SagaCommandRefused({ message: `saga "${id}" not found` })),
        CompensationNotRetryable: (error) =>
          Effect.fail(
            new SagaCommandRefused({
              message: `saga "${id}" is ${error.status}, not compensation_failed: nothing to retry`
            })
          )
      })
    )
    if (Option.isNone(reopened))
      return yield* Effect.fail(
        new SagaCommandRefused({ message: `saga "${id}" was taken up by someone else meanwhile` })
      )
    return (
      `saga "${id}" (${reopened.value.name}) in ${database.target} is compensating again; ` +
      "the next recovery pass of an instance that knows it runs its compensations"
    )
  })
