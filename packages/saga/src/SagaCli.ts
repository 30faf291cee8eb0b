/**
 * The `saga` commands of a store's command line (`cello-pg saga …`, `cello-mysql saga …`), for
 * operators, over the `SagaStore` port; a store's command line parses its own flags and provides its
 * `SagaStore`:
 * - `saga list [--status compensation_failed]`: the newest sagas (up to 100), one a line;
 * - `saga retry <id>`: takes a `compensation_failed` saga back to `compensating` with no owner.
 *
 * The command cannot run compensations itself — they are the app's code — so `retry` hands the saga
 * to the app: the next `recover` pass of any instance that knows the saga (`recoverEvery`, or a
 * restart) takes it over and runs the compensations that did not complete.
 */
import { Data, Effect, Option } from "effect"
import type { StoreUnavailable } from "./Errors.js"
import * as SagaRecord from "./SagaRecord.js"
import * as SagaStore from "./SagaStore.js"

/** A refusal the operator should read (exit code 1), as opposed to a store failure. */
export class SagaCommandRefused extends Data.TaggedError("SagaCommandRefused")<{
  readonly message: string
}> {}

export type Command =
  | { readonly _tag: "List"; readonly status: string | undefined }
  | { readonly _tag: "Retry"; readonly id: string }

/**
 * The command in the words after `saga`: `list` alone (with the `--status` flag's value, if given)
 * or `retry <id>`; None for anything else (the command line then shows its usage).
 */
export const parse = (words: ReadonlyArray<string>, status: string | undefined): Option.Option<Command> => {
  const [sub, id] = words
  if (sub === "list" && id === undefined) return Option.some({ _tag: "List", status })
  if (sub === "retry" && id !== undefined) return Option.some({ _tag: "Retry", id })
  return Option.none()
}

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

/** The newest sagas (up to 100), with `status` if given, one a line: id, name, status, failed compensation. */
export const list = (
  status: string | undefined
): Effect.Effect<string, SagaCommandRefused | StoreUnavailable, SagaStore.SagaStore> =>
  Effect.gen(function* () {
    if (status !== undefined && !SagaRecord.isStatus(status))
      return yield* new SagaCommandRefused({
        message: `"${status}" is not a saga status; use one of ${SagaRecord.statuses.join(", ")}`
      })
    const sagas = yield* SagaStore.list(status === undefined ? {} : { status })
    return sagas.map(line).join("\n")
  })

/** Hands a `compensation_failed` saga back to recovery; `where` names the store in the answer. */
export const retry = (
  id: string,
  where: string
): Effect.Effect<string, SagaCommandRefused | StoreUnavailable, SagaStore.SagaStore> =>
  Effect.gen(function* () {
    const reopened = yield* SagaStore.reopenForRecovery(id).pipe(
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
      return yield* new SagaCommandRefused({ message: `saga "${id}" was taken up by someone else meanwhile` })
    return (
      `saga "${id}" (${reopened.value.name}) in ${where} is compensating again; ` +
      "the next recovery pass of an instance that knows it runs its compensations"
    )
  })

/** Runs a parsed command; its answer is the text to print. */
export const run = (
  command: Command,
  where: string
): Effect.Effect<string, SagaCommandRefused | StoreUnavailable, SagaStore.SagaStore> =>
  command._tag === "List" ? list(command.status) : retry(command.id, where)
