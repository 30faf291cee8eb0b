/**
 * The message context reaches every appended event's metadata without user code: a command's or a
 * saga step's ids under the appender's own metadata, and an event's id as the cause of what a
 * projection appends in reaction to it.
 */
import {
  type EventMetadata,
  EventStore,
  MessageContext,
  Projection,
  ProjectionRunner
} from "@cello/eventsourcing"
import { MemoryStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { OrderCreated } from "../examples/order.js"

const welcomeMails = Projection.make({
  name: "welcome-mails",
  events: [OrderCreated],
  handlers: {
    OrderCreated: (e) =>
      Effect.asVoid(EventStore.append<never, never>(`mail-${e.orderId}`, [{ type: "MailQueued", data: {} }]))
  }
})

const context = { correlationId: "trace-1", causationId: "command-1", commandId: "command-1" }

type Case = readonly [
  what: string,
  current: MessageContext.MessageContext,
  metadata: EventMetadata | undefined,
  own: EventMetadata | undefined,
  expected: EventMetadata
]

const cases: ReadonlyArray<Case> = [
  ["no context: the metadata as given", {}, undefined, undefined, {}],
  ["the context's ids", context, undefined, undefined, context],
  [
    "the append's metadata beside them, and winning over them",
    context,
    { causationId: "mine", tenant: "t-1" },
    undefined,
    { ...context, causationId: "mine", tenant: "t-1" }
  ],
  [
    "an event's own metadata wins over both",
    context,
    { tenant: "t-1" },
    { correlationId: "imported" },
    { ...context, tenant: "t-1", correlationId: "imported" }
  ]
]

describe("MessageContext", () => {
  it.effect.each(cases)("append writes %s", ([, current, metadata, own, expected]) =>
    Effect.gen(function* () {
      const stream = `s-${Math.random()}`
      const result = yield* EventStore.append(
        stream,
        [{ type: "Noted", data: {}, ...(own === undefined ? {} : { metadata: own }) }],
        metadata === undefined ? {} : { metadata }
      ).pipe(MessageContext.provide(current))
      assert.deepStrictEqual(result.events[0]?.metadata, expected)
      assert.deepStrictEqual((yield* EventStore.readStream(stream))[0]?.metadata, expected)
    }).pipe(Effect.provide(MemoryStore.layer))
  )

  it.effect("an event a projection appends in reaction names the event it reacted to", () =>
    Effect.gen(function* () {
      const [created] = (yield* EventStore.append("Order-o-1", [
        { type: "OrderCreated", data: { orderId: "o-1", customerId: "c", items: [] } }
      ]).pipe(MessageContext.provide(context))).events
      assert.isDefined(created)
      if (created === undefined) return
      yield* welcomeMails.apply(created)
      const [mail] = yield* EventStore.readStream("mail-o-1")
      assert.deepStrictEqual(mail?.metadata, { correlationId: "trace-1", causationId: created.eventId })
    }).pipe(Effect.provide(MemoryStore.layer))
  )

  it.effect("a runner applying a page gives each event's reaction that event as its cause", () =>
    Effect.gen(function* () {
      const ids = ["o-1", "o-2", "o-3"]
      const created = yield* Effect.forEach(ids, (id) =>
        EventStore.append(`Order-${id}`, [
          { type: "OrderCreated", data: { orderId: id, customerId: "c", items: [] } }
        ]).pipe(MessageContext.provide({ correlationId: `trace-${id}` }))
      )
      const outer = { correlationId: "runner", causationId: "runner" }
      const after = yield* ProjectionRunner.catchUp(welcomeMails).pipe(
        Effect.andThen(MessageContext.current),
        MessageContext.provide(outer)
      )
      const mails = yield* Effect.forEach(ids, (id) => EventStore.readStream(`mail-${id}`))
      assert.deepStrictEqual(
        mails.map(([mail]) => mail?.metadata),
        created.map((result, i) => ({
          correlationId: `trace-${ids[i]}`,
          causationId: result.events[0]?.eventId ?? "none"
        }))
      )
      // The runner's own context is back once the page is applied.
      assert.deepStrictEqual(after, outer)
    }).pipe(Effect.provide(MemoryStore.layer))
  )
})
