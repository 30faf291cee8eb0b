/**
 * Results for transports (HTTP, messaging): a dispatch's typed outcome folded into a value, as the
 * seeds' demos return them. A thin view of the typed errors, not a second error system: `Rejected`
 * carries the message's declared failure, `Failed` the bus's own errors, `NotFound` an empty query.
 */
import { Effect, Option } from "effect"
import { type DispatchError, isDispatchError } from "./internal/bus.js"

export type CommandResult<A, F> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Rejected"; readonly error: F }
  | { readonly _tag: "Failed"; readonly error: DispatchError }

export type QueryResult<A, F> =
  | { readonly _tag: "Found"; readonly value: A }
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "Rejected"; readonly error: F }
  | { readonly _tag: "Failed"; readonly error: DispatchError }

/** Folds a command dispatch into a `CommandResult`; defects stay defects. */
export const command = <A, F, R>(
  dispatch: Effect.Effect<A, F | DispatchError, R>
): Effect.Effect<CommandResult<A, F>, never, R> =>
  Effect.match(dispatch, {
    onSuccess: (value): CommandResult<A, F> => ({ _tag: "Ok", value }),
    onFailure: (error): CommandResult<A, F> =>
      isDispatchError(error) ? { _tag: "Failed", error } : { _tag: "Rejected", error }
  })

/** Folds a query whose success is an `Option` into a `QueryResult`. */
export const query = <A, F, R>(
  dispatch: Effect.Effect<Option.Option<A>, F | DispatchError, R>
): Effect.Effect<QueryResult<A, F>, never, R> =>
  Effect.match(dispatch, {
    onSuccess: (found): QueryResult<A, F> =>
      Option.isSome(found) ? { _tag: "Found", value: found.value } : { _tag: "NotFound" },
    onFailure: (error): QueryResult<A, F> =>
      isDispatchError(error) ? { _tag: "Failed", error } : { _tag: "Rejected", error }
  })
