/**
 * What a handler's failure becomes: a store outage (a `StoreUnavailable` of any Cello package, such as
 * the read-model store's) stays a `StoreUnavailable`, which runners wait out; anything else is a
 * `ProjectionError` naming the event, which stops the runner before it.
 */
import { EventStore, Projection, StoreUnavailable } from "@cello/eventsourcing"
import { MemoryEventStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"

class Noted extends Schema.TaggedClass<Noted>()("Noted", { text: Schema.String }) {}

/** Another package's outage error: same tag and fields, another class (as `@cello/cqrs` has). */
class ReadSideDown extends Schema.TaggedError<ReadSideDown>()("StoreUnavailable", {
  store: Schema.String,
  operation: Schema.String,
  detail: Schema.String
}) {}

const failingWith = (error: unknown) =>
  Projection.make({ name: "failing", events: [Noted], handlers: { Noted: () => Effect.fail(error) } })

describe("a projection handler's failure", () => {
  it.effect.each([
    [
      "another package's StoreUnavailable",
      new ReadSideDown({ store: "redis", operation: "get", detail: "down" }),
      "StoreUnavailable"
    ],
    [
      "this package's StoreUnavailable",
      new StoreUnavailable({ store: "pg", operation: "q", detail: "down" }),
      "StoreUnavailable"
    ],
    ["a domain error", { _tag: "Refused" }, "ProjectionError"],
    ["a plain string", "nope", "ProjectionError"]
  ] as const)("%s becomes a %s", ([, error, expected]) =>
    Effect.gen(function* () {
      const { events } = yield* EventStore.append("note-1", [{ type: "Noted", data: { text: "hi" } }])
      const envelope = events[0]
      if (envelope === undefined) return assert.fail("nothing appended")
      const failure = yield* Effect.flip(failingWith(error).apply(envelope))
      assert.strictEqual(failure._tag, expected)
      if (expected === "StoreUnavailable") {
        assert.instanceOf(failure, StoreUnavailable)
        assert.include(failure.message, "down")
      } else assert.include(failure.message, "note-1")
    }).pipe(Effect.provide(MemoryEventStore.layer))
  )
})
