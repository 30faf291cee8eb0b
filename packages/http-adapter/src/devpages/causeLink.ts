/**
 * `/causes/:id`, where an event's "caused by" link goes: to the saga step that appended it (the
 * saga's page, at the step), to the event that caused it (its card on its stream's page), or else
 * to the event browser's search for that id (the events a command caused carry its id).
 */
import { Effect, Option } from "effect"
import { HttpServerResponse } from "effect/http"
import * as Causes from "./causes.js"
import * as Card from "./eventCard.js"
import * as Html from "./html.js"
import type { Stores } from "./routeSupport.js"
import * as Scan from "./scan.js"

const to = (location: string) => HttpServerResponse.redirect(location, { status: 303 })

const sagaStep = (id: string, stores: Stores) =>
  Option.match(stores.sagas, {
    onNone: () => Effect.succeed(Option.none<string>()),
    onSome: (store) =>
      Effect.gen(function* () {
        for (const reading of Causes.sagaSteps(id)) {
          if (Option.isSome(yield* store.get(reading.sagaId)))
            return Option.some(`/sagas/${Html.segment(reading.sagaId)}#step-${Html.segment(reading.step)}`)
        }
        return Option.none<string>()
      })
  })

const causingEvent = (id: string, stores: Stores) =>
  Option.match(stores.events, {
    onNone: () => Effect.succeed(Option.none<string>()),
    onSome: (store) =>
      Scan.scan(store, (event) => event.eventId === id, { limit: 1 }).pipe(
        Effect.map((found) => Option.map(Option.fromNullishOr(found.events[0]), (e) => Card.eventHref(e)))
      )
  })

export const resolve = (id: string, stores: Stores) =>
  Effect.gen(function* () {
    const step = yield* sagaStep(id, stores)
    if (Option.isSome(step)) return to(step.value)
    const event = Causes.sagaSteps(id).length > 0 ? Option.none<string>() : yield* causingEvent(id, stores)
    if (Option.isSome(event)) return to(event.value)
    return to(`/events?q=${encodeURIComponent(id)}`)
  })
