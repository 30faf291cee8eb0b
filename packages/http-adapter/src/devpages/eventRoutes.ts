/**
 * The event browser's routes: `/events` (filters, search, live lists), `/events/tail`, a stream's
 * pages, a correlation's page and where a cause leads.
 */
import { Effect, Option } from "effect"
import * as CauseLink from "./causeLink.js"
import * as Correlation from "./correlation.js"
import * as EventBrowser from "./EventBrowser.js"
import * as Card from "./eventCard.js"
import * as Filters from "./filters.js"
import * as Html from "./html.js"
import {
  type DevRoute,
  param,
  queryValue,
  type Stores,
  stringParams,
  unavailable,
  withEvents
} from "./routeSupport.js"
import * as Scan from "./scan.js"
import * as StreamPage from "./streamPage.js"
import * as Tail from "./tail.js"

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
        const from = StreamPage.parseFrom(yield* queryValue("from"))
        const events = yield* store.readStream(streamId, { from, limit: Card.streamPageSize })
        const version = yield* store.streamVersion(streamId)
        return StreamPage.streamPage(streamId, events, version, from)
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
  }
]
