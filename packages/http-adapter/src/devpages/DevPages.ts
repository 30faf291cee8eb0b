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
import * as CauseLink from "./causeLink.js"
import * as Causes from "./causes.js"
import * as Correlation from "./correlation.js"
import * as EventBrowser from "./EventBrowser.js"
import * as Filters from "./filters.js"
import * as Html from "./html.js"
import * as RetryCompensation from "./retryCompensation.js"
import * as SagaDashboard from "./SagaDashboard.js"
import * as SagaList from "./sagaList.js"
import * as Scan from "./scan.js"
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

const statusParam = Effect.gen(function* () {
  const given = yield* queryValue("status")
  if (given === undefined || given === "") return Option.some(undefined)
  return SagaRecord.isStatus(given) ? Option.some(given) : Option.none()
})

const unknownStatus = (given: string) =>
  Html.message(
    "sagas",
    "Unknown status",
    `<code>${Html.text(given)}</code> is not a saga status; use one of ${SagaRecord.statuses.join(", ")}.`,
    400
  )

const listFilter = Effect.gen(function* () {
  const status = yield* statusParam
  const name = (yield* queryValue("name"))?.trim()
  return Option.map(
    status,
    (s): SagaList.ListFilter => ({
      status: s,
      name: name === undefined || name === "" ? undefined : name
    })
  )
})

const stringParams = Effect.map(HttpServerRequest.ParsedSearchParams, (params) => (name: string) => {
  const value = params[name]
  return typeof value === "string" ? value : undefined
})

export const routes = (stores: Stores): ReadonlyArray<DevRoute> => [
  {
    path: "/events",
    handler: withEvents(stores, (store) =>
      Effect.gen(function* () {
        const params = yield* stringParams
        const filter = Filters.parse(params)
        const summary = yield* EventBrowser.summarize(store, filter)
        if (Filters.isEmpty(filter)) return EventBrowser.indexPage(summary)
        const after = Scan.parseAfter(params("after"))
        const matched = yield* Scan.scan(store, Filters.matches(filter), {
          limit: EventBrowser.matchLimit,
          ...(Option.isSome(after) ? { after: after.value } : {})
        })
        const q = filter.q
        if (q === undefined) return EventBrowser.indexPage(summary, filter, Option.some(matched))
        const saga = yield* Option.match(stores.sagas, {
          onNone: () => Effect.succeed(false),
          onSome: (sagas) => Effect.map(sagas.get(q), Option.isSome)
        })
        return EventBrowser.indexPage(summary, filter, Option.some(matched), {
          stream: (yield* store.streamVersion(q)) > 0,
          saga,
          correlation: matched.events.some((event) => event.metadata.correlationId === q)
        })
      })
    )
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
    path: "/correlations/:id",
    handler: Effect.gen(function* () {
      const id = yield* param
      const after = Scan.parseAfter(yield* queryValue("after"))
      const sagas = yield* Option.match(stores.sagas, {
        onNone: () => Effect.succeed(Option.none()),
        onSome: (store) =>
          store
            .list({ limit: Correlation.sagaLimit })
            .pipe(Effect.map((all) => Option.some(all.filter((saga) => saga.correlationId === id))))
      })
      const events = yield* Option.match(stores.events, {
        onNone: () => Effect.succeed(Option.none()),
        onSome: (store) =>
          Scan.scan(store, (event) => event.metadata.correlationId === id, {
            limit: Correlation.eventLimit,
            ...(Option.isSome(after) ? { after: after.value } : {})
          }).pipe(Effect.map(Option.some))
      })
      return Correlation.page(id, sagas, events)
    }).pipe(Effect.catch(unavailable("events")))
  },
  {
    path: "/causes/:id",
    handler: Effect.gen(function* () {
      const id = yield* param
      return yield* CauseLink.resolve(id, stores)
    }).pipe(Effect.catch(unavailable("events")))
  },
  {
    path: "/sagas",
    handler: withSagas(stores, (store) =>
      Effect.gen(function* () {
        const filter = yield* listFilter
        if (Option.isNone(filter)) return unknownStatus((yield* queryValue("status")) ?? "")
        const sagas = yield* store.list(SagaList.listOptions(filter.value))
        const names = new Set((yield* store.list({ limit: SagaList.namesLimit })).map((saga) => saga.name))
        if (filter.value.name !== undefined) names.add(filter.value.name)
        return SagaList.listPage(sagas, [...names].sort(), filter.value)
      })
    )
  },
  {
    path: "/sagas/feed",
    handler: withSagas(stores, (store) =>
      Effect.gen(function* () {
        const filter = yield* listFilter
        if (Option.isNone(filter)) return unknownStatus((yield* queryValue("status")) ?? "")
        return yield* SagaList.feed(store, filter.value)
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
        const caused = yield* Option.match(stores.events, {
          onNone: () => Effect.succeed(Option.none()),
          onSome: (events) =>
            Scan.scan(events, (event) => Causes.isOfSaga(event.metadata.causationId, id), {
              limit: Scan.budget
            }).pipe(Effect.map(Option.some))
        })
        return SagaDashboard.detailPage(saga.value, yield* store.log(id), caused)
      })
    )
  },
  {
    method: "POST",
    path: "/sagas/:id/retry-compensation",
    handler: withSagas(stores, (store) => RetryCompensation.handler(store, stores.orchestrator))
  }
]
