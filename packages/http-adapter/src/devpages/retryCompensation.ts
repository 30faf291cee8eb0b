/**
 * `POST /sagas/:id/retry-compensation`, the saga dashboard's button for a `compensation_failed`
 * saga. With a `SagaOrchestrator` that knows the saga, it runs the compensations not completed
 * (`retryCompensation`), waits for them a moment, and leaves them running if they take longer; with
 * none (or one that does not know the saga), it reopens the saga in the store with no owner, so any
 * instance's recovery takes it over. Either way it answers 303 to the saga's page. Only a same-origin
 * form may post: a page on another origin gets 403.
 */
import { type SagaOrchestrator, SagaStore } from "@cello/saga"
import { Cause, Duration, Effect, Exit, Fiber, Option } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Html from "./html.js"

/** How long the button waits for the compensations before showing the saga as it is then. */
export const wait = Duration.seconds(2)

const sagaPage = (id: string) => HttpServerResponse.redirect(`/sagas/${Html.segment(id)}`, { status: 303 })

const notRetryable = (id: string, status: string) =>
  Html.message(
    "sagas",
    "Nothing to retry",
    `Saga <code>${Html.text(id)}</code> is ${Html.text(status)}: only a compensation_failed saga's compensations can be retried.`,
    409
  )

const notFound = (id: string) =>
  Html.message("sagas", "No such saga", `No saga has the id <code>${Html.text(id)}</code>.`, 404)

/** True unless the browser says the form came from another site or origin. */
const sameOrigin = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const site = request.headers["sec-fetch-site"]
  if (site !== undefined && site !== "same-origin" && site !== "none") return false
  const origin = request.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host === request.headers.host
  } catch {
    return false
  }
}

/** Reopens the saga with no owner, for any instance's recovery. */
const reopenForRecovery = (store: SagaStore.SagaStoreShape, id: string) =>
  SagaStore.reopenForRecovery(id).pipe(
    Effect.flatMap((reopened) =>
      Option.isSome(reopened)
        ? Effect.succeed(sagaPage(id))
        : // Another instance took it up meanwhile: say where it is now.
          Effect.map(store.get(id), (now) => notRetryable(id, Option.isSome(now) ? now.value.status : "gone"))
    ),
    Effect.catchTags({
      SagaNotFound: () => Effect.succeed(notFound(id)),
      CompensationNotRetryable: (error) => Effect.succeed(notRetryable(id, error.status))
    }),
    Effect.provideService(SagaStore.SagaStore, store)
  )

export const handler = (
  store: SagaStore.SagaStoreShape,
  orchestrator: Option.Option<SagaOrchestrator.SagaOrchestratorShape>
) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!sameOrigin(request))
      return Html.message("sagas", "Refused", "A retry must be posted from this site's saga page.", 403)
    const id = (yield* HttpRouter.params).id ?? ""
    if (Option.isNone(orchestrator)) return yield* reopenForRecovery(store, id)
    // Detached: the compensations go on after this answer if they take longer than `wait`.
    const fiber = yield* Effect.forkDetach(orchestrator.value.retryCompensation(id))
    const done = yield* Fiber.await(fiber).pipe(Effect.timeoutOption(wait))
    if (Option.isNone(done) || Exit.isSuccess(done.value)) return sagaPage(id)
    const failure = done.value.cause.reasons.find(Cause.isFailReason)
    if (failure === undefined) return yield* Effect.failCause(done.value.cause)
    const error = failure.error
    switch (error._tag) {
      case "SagaNotFound":
        return notFound(id)
      case "CompensationNotRetryable":
        return notRetryable(id, error.status)
      case "SagaDefinitionUnknown":
        return yield* reopenForRecovery(store, id)
      case "SagaConflict":
        return sagaPage(id)
      case "StoreUnavailable":
        return yield* Effect.fail(error)
    }
  })
