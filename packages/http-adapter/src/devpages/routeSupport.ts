/** What every dev page route shares: the stores it may read, its parameters, and its store errors. */
import type { EventStore } from "@cello/eventsourcing"
import type { SagaOrchestrator, SagaStore } from "@cello/saga"
import { Effect, Option } from "effect"
import { HttpRouter, HttpServerRequest, type HttpServerResponse } from "effect/http"
import type { RequestServices } from "../Route.js"
import * as Html from "./html.js"

export interface Stores {
  readonly events: Option.Option<EventStore.EventStoreShape>
  readonly sagas: Option.Option<SagaStore.SagaStoreShape>
  /** Runs an operator's retry of a `compensation_failed` saga; without it, the store reopens it for recovery. */
  readonly orchestrator: Option.Option<SagaOrchestrator.SagaOrchestratorShape>
}

export interface DevRoute {
  /** Default GET. */
  readonly method?: "POST"
  readonly path: `/${string}`
  readonly handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, RequestServices>
}

export const missing = (section: Html.Page["section"], service: string, example: string) =>
  Html.message(
    section,
    `No ${service}`,
    `No <code>${service}</code> is provided to the HTTP adapter, so there is nothing to show. ` +
      `Provide one with the app (for example <code>${example}</code>).`
  )

// The error's text may name hosts, ports, schemas and driver errors: it goes to the log, and the
// page says only what the API answers say.
export const unavailable = (section: Html.Page["section"]) => (error: { readonly message: string }) =>
  Effect.as(
    Effect.logError(
      `development page: the ${section === "events" ? "event" : "saga"} store failed`,
      error.message
    ),
    Html.message(
      section,
      "Store unavailable",
      `The ${section === "events" ? "event" : "saga"} store is unavailable; try again later.`,
      503
    )
  )

export const param = Effect.map(HttpRouter.params, (params) => params.id ?? "")

export const queryValue = (name: string) =>
  Effect.map(HttpServerRequest.ParsedSearchParams, (query) => {
    const value = query[name]
    return typeof value === "string" ? value : undefined
  })

export const withEvents = (
  stores: Stores,
  f: (
    store: EventStore.EventStoreShape
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, { readonly message: string }, RequestServices>
) =>
  Option.match(stores.events, {
    onNone: () => Effect.succeed(missing("events", "EventStore", "MemoryStore.layer")),
    onSome: (store) => f(store).pipe(Effect.catch(unavailable("events")))
  })

export const withSagas = (
  stores: Stores,
  f: (
    store: SagaStore.SagaStoreShape
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, { readonly message: string }, RequestServices>
) =>
  Option.match(stores.sagas, {
    onNone: () => Effect.succeed(missing("sagas", "SagaStore", "MemorySagaStore.layer")),
    onSome: (store) => f(store).pipe(Effect.catch(unavailable("sagas")))
  })

export const stringParams = Effect.map(HttpServerRequest.ParsedSearchParams, (params) => (name: string) => {
  const value = params[name]
  return typeof value === "string" ? value : undefined
})
