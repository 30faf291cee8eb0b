/** The saga dashboard's routes: the list, its feed, a saga's page and the retry of its compensation. */
import { SagaRecord } from "@cello/saga"
import { Effect, Option } from "effect"
import * as Causes from "./causes.js"
import * as Html from "./html.js"
import * as RetryCompensation from "./retryCompensation.js"
import { type DevRoute, param, queryValue, type Stores, withSagas } from "./routeSupport.js"
import * as SagaDashboard from "./SagaDashboard.js"
import * as SagaList from "./sagaList.js"
import * as Scan from "./scan.js"

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

export const routes = (stores: Stores): ReadonlyArray<DevRoute> => [
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
