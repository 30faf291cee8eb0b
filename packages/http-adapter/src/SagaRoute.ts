/**
 * Saga routes: `saga(TransferSaga, { path: "/transfers" })` decodes the body into the saga's context
 * with its Schema and runs it to the end with `SagaOrchestrator.execute`; `sagaStatus({ path })`
 * answers a stored saga's status. Both answer the same JSON shape, `SagaResultBody`.
 */
import { type Saga, SagaOrchestrator, type SagaRecord, type SagaResult } from "@cello/saga"
import { Effect, Schema } from "effect"
import { type Served, toHandler } from "./Incoming.js"
import * as Problem from "./Problem.js"
import { decodePayload, type RequestParts } from "./RequestParts.js"
import {
  answerError,
  mergeInput,
  type Operation,
  type PathParams,
  paramNames,
  type Route,
  readParts,
  respond
} from "./Route.js"

const statuses: readonly [SagaRecord.Status, ...Array<SagaRecord.Status>] = [
  "running",
  "compensating",
  "completed",
  "compensated",
  "compensation_failed",
  "failed",
  "dead_letter"
]

/**
 * A saga as answered over HTTP: the `SagaResult`'s own field names, with `null` where a field is
 * absent (JSON has no `undefined`, and an explicit `null` keeps the shape the same for every status).
 * The context is left out: it is the saga's working state, not part of its outcome.
 */
export const SagaResultBody = Schema.Struct({
  sagaId: Schema.String,
  name: Schema.String,
  status: Schema.Literals(statuses),
  stepsCompleted: Schema.Array(Schema.String),
  failedStep: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  compensatedSteps: Schema.Array(Schema.String),
  compensationFailedStep: Schema.NullOr(Schema.String),
  compensationError: Schema.NullOr(Schema.String)
}).annotate({ identifier: "SagaResult" })

export type SagaResultBody = typeof SagaResultBody.Type

interface Outcome {
  readonly name: string
  readonly status: SagaRecord.Status
  readonly stepsCompleted: ReadonlyArray<string>
  readonly failedStep: string | undefined
  readonly error: string | undefined
  readonly compensatedSteps: ReadonlyArray<string>
  readonly compensationFailedStep: string | undefined
  readonly compensationError: string | undefined
}

export const bodyOf = (sagaId: string, outcome: Outcome): SagaResultBody => ({
  sagaId,
  name: outcome.name,
  status: outcome.status,
  stepsCompleted: outcome.stepsCompleted,
  failedStep: outcome.failedStep ?? null,
  error: outcome.error ?? null,
  compensatedSteps: outcome.compensatedSteps,
  compensationFailedStep: outcome.compensationFailedStep ?? null,
  compensationError: outcome.compensationError ?? null
})

/** A saga that did not complete: the request was valid, but the work was refused and undone. */
export const notCompleted = (body: SagaResultBody): Problem.Problem => ({
  status: 409,
  slug: `saga-${Problem.slugOf(body.status)}`,
  title: `Saga ${body.status.replace(/_/g, " ")}`,
  detail:
    body.failedStep === null
      ? `Saga "${body.name}" ended ${body.status}.`
      : `Saga "${body.name}" ended ${body.status}: step "${body.failedStep}" failed.`,
  extensions: { saga: body }
})

export interface SagaOptions<P extends `/${string}`> {
  readonly path: P
  /** Only `POST`: running a saga is neither safe nor idempotent. */
  readonly method?: "POST"
  /**
   * Builds the context input (decoded with the saga's context Schema afterwards). Default: the JSON
   * body's members with the path parameters over them.
   */
  readonly context?: (parts: RequestParts<PathParams<P>>) => unknown
  readonly summary?: string
}

/**
 * A route that runs a saga to the end: 201 with the result when it completed, 409 (a problem whose
 * `saga` member is the result) when it ended compensated, failed or compensation_failed.
 */
export const saga = <C, R, const P extends `/${string}`>(
  definition: Saga.Saga<C, R>,
  options: SagaOptions<P>
): Route<SagaOrchestrator.SagaOrchestrator | R> => {
  const operation: Operation = {
    name: definition.name,
    payload: definition.context,
    success: SagaResultBody,
    failure: Schema.Never
  }
  // Built once per route, run per request.
  const read = readParts(options.path, true)
  const decodeContext = decodePayload({ name: definition.name, payload: definition.context })
  const failed = answerError(operation, false)
  // Made once per route: per request only the effects themselves are built.
  const decodeParts = ({ parts }: { readonly parts: RequestParts<PathParams<P>> }) =>
    decodeContext(
      options.context === undefined ? mergeInput(parts.body, parts.params) : options.context(parts)
    )
  const run = (context: C) => SagaOrchestrator.execute(definition, context)
  const answer = (result: SagaResult.SagaResult<C>) => {
    const body = bodyOf(result.sagaId, result)
    return result.status === "completed"
      ? respond(201, body, {})
      : Effect.succeed(Problem.toResponse(notCompleted(body)))
  }
  const serve: Served<SagaOrchestrator.SagaOrchestrator | R> = (incoming) =>
    Effect.catch(
      Effect.flatMap(Effect.flatMap(Effect.flatMap(read(incoming), decodeParts), run), answer),
      failed
    )
  return {
    kind: "saga",
    method: options.method ?? "POST",
    path: options.path,
    definition: operation,
    status: 201,
    summary: options.summary,
    readsBody: true,
    readsQuery: false,
    ifMatch: false,
    fromPath: options.context === undefined ? paramNames(options.path) : [],
    failureAnswers: {},
    results: [
      {
        status: 409,
        description:
          "The saga did not complete (compensated, failed or compensation_failed); the `saga` member is its result",
        problem: true
      }
    ],
    responseSchema: undefined,
    successHeaders: [],
    serve,
    handler: toHandler(serve)
  }
}

export interface SagaStatusOptions<P extends `/${string}`> {
  /** Must name the saga id as `:id`, e.g. `/sagas/:id`. */
  readonly path: P
  readonly summary?: string
}

const statusOperation: Operation = {
  name: "SagaStatus",
  payload: Schema.Struct({ id: Schema.String }),
  success: SagaResultBody,
  failure: Schema.Never
}

/** A `GET` route answering a stored saga's status (of any saga definition); 404 when unknown. */
export const sagaStatus = <const P extends `/${string}:id` | `/${string}:id/${string}`>(
  options: SagaStatusOptions<P>
): Route<SagaOrchestrator.SagaOrchestrator> => {
  const failed = answerError(statusOperation, false)
  const serve: Served<SagaOrchestrator.SagaOrchestrator> = (incoming) => {
    const id = incoming.params.id
    // The path names `:id` (its type says so), so a match always has it; a miss is a router bug.
    if (id === undefined) return Effect.die(new Error(`route ${options.path} matched without :id`))
    return SagaOrchestrator.status(id).pipe(
      Effect.flatMap((execution) => respond(200, bodyOf(execution.id, execution), {})),
      Effect.catch(failed)
    )
  }
  return {
    kind: "saga-status",
    method: "GET",
    path: options.path,
    definition: statusOperation,
    status: 200,
    summary: options.summary,
    readsBody: false,
    readsQuery: false,
    ifMatch: false,
    fromPath: ["id"],
    failureAnswers: {},
    results: [],
    responseSchema: undefined,
    successHeaders: [],
    serve,
    handler: toHandler(serve)
  }
}
