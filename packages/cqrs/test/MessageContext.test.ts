// The message context lives in eventsourcing, cqrs and saga (the pattern packages may not import each
// other) under one key: the copies must not drift apart.
import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { CommandBus, EventBus, MessageContext, type Middleware } from "../src/index.js"
import { Ping } from "./fixtures.js"

class Pinged extends Schema.TaggedClass<Pinged>()("Pinged", {}) {}

it("src/MessageContext.ts is the same file as eventsourcing's", () => {
  const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8")
  assert.strictEqual(read("../src/MessageContext.ts"), read("../../eventsourcing/src/MessageContext.ts"))
})

describe("the message context a command or event handler runs under", () => {
  it.effect(
    "a command gets its own id, the cause of what it appends; the request's correlation, or its own",
    () =>
      Effect.gen(function* () {
        const seen: Array<MessageContext.MessageContext> = []
        const layer = CommandBus.handler(Ping, () =>
          Effect.map(MessageContext.current, (current) => {
            seen.push(current)
            return undefined
          })
        ).pipe(Layer.provideMerge(CommandBus.layer()))
        yield* Effect.provide(
          Effect.gen(function* () {
            yield* CommandBus.dispatch(Ping, {})
            yield* CommandBus.dispatch(Ping, {}).pipe(MessageContext.provide({ correlationId: "trace-1" }))
            // Dispatched by a saga step (or an event handler): that stays the cause.
            yield* CommandBus.dispatch(Ping, {}).pipe(
              MessageContext.provide({ correlationId: "trace-1", causationId: "saga:s-1:charge" })
            )
          }),
          layer
        )
        const ids = seen.map((s) => s.commandId ?? "")
        for (const id of ids) assert.match(id, /^[0-9a-f-]{36}$/)
        const [alone = "", inRequest = "", inSaga = ""] = ids
        assert.deepStrictEqual(seen, [
          { correlationId: alone, causationId: alone, commandId: alone },
          { correlationId: "trace-1", causationId: inRequest, commandId: inRequest },
          // Dispatched by a saga step (or an event handler): that stays the cause.
          { correlationId: "trace-1", causationId: "saga:s-1:charge", commandId: inSaga }
        ])
        assert.strictEqual(new Set(seen.map((s) => s.commandId)).size, 3)
      })
  )

  it.effect("middleware sees the command's id and correlation id in its DispatchContext", () =>
    Effect.gen(function* () {
      const dispatched: Array<readonly [string | undefined, string | undefined]> = []
      const handled: Array<MessageContext.MessageContext> = []
      const capture: Middleware.Handler = (context, next) => {
        dispatched.push([context.commandId, context.correlationId])
        return next
      }
      const layer = CommandBus.handler(Ping, () =>
        Effect.map(MessageContext.current, (current) => {
          handled.push(current)
        })
      ).pipe(Layer.provideMerge(CommandBus.layer({ middleware: [capture] })))
      yield* CommandBus.dispatch(Ping, {}).pipe(
        MessageContext.provide({ correlationId: "trace-1" }),
        Effect.provide(layer)
      )
      assert.deepStrictEqual(dispatched, [[handled[0]?.commandId, "trace-1"]])
      assert.isDefined(handled[0]?.commandId)
    })
  )

  it.effect("an event bus subscriber of a stored event runs with that event as its cause", () =>
    Effect.gen(function* () {
      const seen: Array<MessageContext.MessageContext> = []
      const layer = EventBus.subscribe("audit", Pinged, () =>
        Effect.map(MessageContext.current, (current) => {
          seen.push(current)
        })
      ).pipe(Layer.provideMerge(EventBus.layer()))
      yield* Effect.provide(
        Effect.gen(function* () {
          yield* EventBus.publish(new Pinged({}), {
            stored: { eventId: "e-1", metadata: { correlationId: "trace-1" } }
          })
          yield* EventBus.publish(new Pinged({}))
        }),
        layer
      )
      assert.deepStrictEqual(seen, [{ correlationId: "trace-1", causationId: "e-1" }, {}])
    })
  )
})

// The context merge the bus's handlers run under lives in eventsourcing too (cqrs does not depend on
// it at run time), where its test is: the copies must not drift apart.
it("src/internal/contextOver.ts is the same file as eventsourcing's", () => {
  const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8")
  assert.strictEqual(
    read("../src/internal/contextOver.ts"),
    read("../../eventsourcing/src/internal/contextOver.ts")
  )
})
