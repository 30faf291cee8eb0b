/**
 * The live tail: `GET /events/tail` as Server-Sent Events fed by `subscribeAll`. Each message's `id`
 * is the event's checkpoint, so a reconnecting `EventSource` (which sends `Last-Event-ID`) resumes
 * without a gap or a duplicate; a page passes `?from=` with the checkpoint it rendered up to.
 */
import { Checkpoint, type EventEnvelope, type EventStore } from "@cello/eventsourcing"
import { Context, DateTime, Effect, Option, Stream } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"

/**
 * Completes when the server begins to shut down. An open tail never ends by itself, and a graceful
 * shutdown waits for open responses, so `HttpAdapter.serve` provides this to end tails first.
 */
export class ShuttingDown extends Context.Service<ShuttingDown, Effect.Effect<void>>()(
  "@cello/http-adapter/devpages/ShuttingDown"
) {}

/** What the page script receives for one event. */
export const view = (event: EventEnvelope) => ({
  eventId: event.eventId,
  streamId: event.streamId,
  type: event.type,
  schemaVersion: event.schemaVersion,
  streamVersion: event.streamVersion,
  position: event.position,
  timestamp: DateTime.formatIso(event.timestamp),
  data: event.data,
  metadata: event.metadata
})

// JSON.stringify escapes line breaks inside strings, so a frame's data is always one line.
const frame = (event: EventEnvelope): string =>
  `id: ${Checkpoint.encode(event.checkpoint)}\nevent: event\ndata: ${JSON.stringify(
    view(event),
    (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)
  )}\n\n`

// Comments keep proxies from closing an idle connection; `retry` sets the reconnect delay.
const opening = "retry: 2000\n: tail open\n\n"
const keepAlive = Stream.tick("15 seconds").pipe(Stream.map(() => ": keep-alive\n\n"))

/** Where to start: `Last-Event-ID` (a reconnect), else `?from=`, else the store's head now. */
const startingPoint = (store: EventStore.EventStoreShape) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = yield* HttpServerRequest.ParsedSearchParams
    const from = query.from
    const given = [request.headers["last-event-id"], typeof from === "string" ? from : undefined]
      .map((text) => (text === undefined ? Option.none() : Checkpoint.decode(text.trim())))
      .find(Option.isSome)
    return given === undefined ? yield* store.head : given.value
  })

/**
 * Frames as a Server-Sent Events response: an opening `retry`, keep-alive comments while idle, and
 * the end when the server shuts down (an open page never holds a graceful shutdown).
 */
export const serverSentEvents = (frames: Stream.Stream<string>) =>
  Effect.gen(function* () {
    const closing = yield* Effect.serviceOption(ShuttingDown)
    const body = Stream.concat(
      Stream.succeed(opening),
      Stream.merge(frames, keepAlive, { haltStrategy: "left" })
    ).pipe(
      Option.isSome(closing) ? Stream.interruptWhen(closing.value) : (stream) => stream,
      Stream.encodeText
    )
    return HttpServerResponse.stream(body, {
      contentType: "text/event-stream; charset=utf-8",
      headers: { "cache-control": "no-store", "x-accel-buffering": "no" }
    })
  })

export const response = (store: EventStore.EventStoreShape) =>
  Effect.gen(function* () {
    const from = yield* startingPoint(store)
    const events = store.subscribeAll({ from }).pipe(
      Stream.map(frame),
      // The browser reconnects after a failure, resuming from the last id it saw.
      Stream.orElseSucceed(() => 'event: failure\ndata: "the event store failed; reconnecting"\n\n')
    )
    return yield* serverSentEvents(events)
  })
