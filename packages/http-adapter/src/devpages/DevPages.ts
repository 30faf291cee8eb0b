/**
 * The development pages as routes for `HttpAdapter.make`: whether they are on, and their handlers
 * over the stores the app provides. They are off unless asked for (`devPages: true` or
 * `CELLO_DEV_PAGES=true`) and always off with `NODE_ENV=production`: they show every stored payload.
 */
import type { EventStore } from "@cello/eventsourcing"
import { type SagaOrchestrator, SagaRecord, type SagaStore } from "@cello/saga"
import { Config, Effect, Option } from "effect"
import { HttpRouter, HttpServerRequest, type HttpServerResponse } from "effect/http"
import type { RequestServices } from "../Route.js"
import * as EventBrowser from "./EventBrowser.js"
import * as Html from "./html.js"
import * as RetryCompensation from "./retryCompensation.js"
import * as SagaDashboard from "./SagaDashboard.js"
import * as Tail from "./tail.js"

export const config = Config.all({
  nodeEnv: Config.String("NODE_ENV").pipe(Config.withDefault("")),
  flag: Config.Boolean("CELLO_DEV_PAGES").pipe(Config.withDefault(false))
})

/** `NODE_ENV` names production in any case and spacing: `production`, `Production`, ` PRODUCTION`. */
export const isProduction = (nodeEnv: string): boolean => nodeEnv.trim().toLowerCase() === "production"

/**
 * On only when asked for: `option === true` (or, without the option, `CELLO_DEV_PAGES=true`), and
 * never in production. A malformed `CELLO_DEV_PAGES` keeps them off, with a warning rather than a
 * failed start.
 */
export const enabled = (option: boolean | undefined): Effect.Effect<boolean> =>
  config.pipe(
    Effect.map(({ nodeEnv, flag }) => !isProduction(nodeEnv) && (option ?? flag) === true),
    Effect.catch((error) =>
      Effect.as(Effect.logWarning(`development pages stay off: ${error.message}`), false)
    )
  )

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

const missing = (section: Html.Page["section"], service: string, example: string) =>
  Html.message(
    section,
    `No ${service}`,
    `No <code>${service}</code> is provided to the HTTP adapter, so there is nothing to show. ` +
      `Provide one with the app (for example <code>${example}</code>).`
  )

// The error's text may name hosts, ports, schemas and driver errors: it goes to the log, and the
// page says only what the API answers say.
const unavailable = (section: Html.Page["section"]) => (error: { readonly message: string }) =>
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

const param = Effect.map(HttpRouter.params, (params) => params.id ?? "")

const queryValue = (name: string) =>
  Effect.map(HttpServerRequest.ParsedSearchParams, (query) => {
    const value = query[name]
    return typeof value === "string" ? value : undefined
  })

const withEvents = (
  stores: Stores,
  f: (
    store: EventStore.EventStoreShape
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, { readonly message: string }, RequestServices>
) =>
  Option.match(stores.events, {
    onNone: () => Effect.succeed(missing("events", "EventStore", "MemoryStore.layer")),
    onSome: (store) => f(store).pipe(Effect.catch(unavailable("events")))
  })

const withSagas = (
  stores: Stores,
  f: (
    store: SagaStore.SagaStoreShape
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, { readonly message: string }, RequestServices>
) =>
  Option.match(stores.sagas, {
    onNone: () => Effect.succeed(missing("sagas", "SagaStore", "MemorySagaStore.layer")),
    onSome: (store) => f(store).pipe(Effect.catch(unavailable("sagas")))
  })

const sagaListLimit = 200

export const routes = (stores: Stores): ReadonlyArray<DevRoute> => [
  {
    path: "/events",
    handler: withEvents(stores, (store) => Effect.map(EventBrowser.summarize(store), EventBrowser.indexPage))
  },
  {
    path: "/events/tail",
    handler: withEvents(stores, Tail.response)
  },
  {
    path: "/events/streams/:id",
    handler: withEvents(stores, (store) =>
      Effect.gen(function* () {
        const streamId = yield* param
        const from = EventBrowser.parseFrom(yield* queryValue("from"))
        const events = yield* store.readStream(streamId, { from, limit: EventBrowser.streamPageSize })
        const version = yield* store.streamVersion(streamId)
        return EventBrowser.streamPage(streamId, events, version, from)
      }).pipe(
        Effect.catchTag("StreamNotFound", (error) =>
          Effect.succeed(
            Html.message(
              "events",
              "No such stream",
              `The stream <code>${Html.text(error.streamId)}</code> has no event.`,
              404
            )
          )
        )
      )
    )
  },
  {
    path: "/sagas",
    handler: withSagas(stores, (store) =>
      Effect.gen(function* () {
        const given = yield* queryValue("status")
        if (given !== undefined && given !== "" && !SagaRecord.isStatus(given))
          return Html.message(
            "sagas",
            "Unknown status",
            `<code>${Html.text(given)}</code> is not a saga status; use one of ${SagaRecord.statuses.join(", ")}.`,
            400
          )
        const status = given !== undefined && SagaRecord.isStatus(given) ? given : undefined
        const sagas = yield* store.list(
          status === undefined ? { limit: sagaListLimit } : { status, limit: sagaListLimit }
        )
        return SagaDashboard.listPage(sagas, SagaRecord.statuses, status, sagaListLimit)
      })
    )
  },
  {
    path: "/sagas/:id",
    handler: withSagas(stores, (store) =>
      Effect.gen(function* () {
        const id = yield* param
        const saga = yield* store.get(id)
        if (Option.isNone(saga))
          return Html.message(
            "sagas",
            "No such saga",
            `No saga has the id <code>${Html.text(id)}</code>.`,
            404
          )
        return SagaDashboard.detailPage(saga.value, yield* store.log(id))
      })
    )
  },
  {
    method: "POST",
    path: "/sagas/:id/retry-compensation",
    handler: withSagas(stores, (store) => RetryCompensation.handler(store, stores.orchestrator))
  }
]
