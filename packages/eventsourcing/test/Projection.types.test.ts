/** Type-level tests of `Projection.make` (type-checked by vitest in `pnpm test`). */
import { Projection } from "@cello/eventsourcing"
import { describe, expectTypeOf, it } from "@effect/vitest"
import { Context, Effect, Schema } from "effect"

class Opened extends Schema.TaggedClass<Opened>()("Opened", { owner: Schema.String }) {}
class Closed extends Schema.TaggedClass<Closed>()("Closed", { reason: Schema.String }) {}
class Db extends Context.Service<Db, { readonly write: (s: string) => Effect.Effect<void> }>()("Db") {}
class Mail extends Context.Service<Mail, { readonly send: (s: string) => Effect.Effect<void> }>()("Mail") {}
class Nope extends Schema.TaggedError<Nope>()("Nope", {}) {}

describe("Projection types", () => {
  it("needs the union of its handlers' services, whatever their errors", () => {
    const p = Projection.make({
      name: "p",
      events: [Opened, Closed],
      handlers: {
        Opened: (e) => Db.use((db) => db.write(e.owner)),
        Closed: (e) =>
          Effect.gen(function* () {
            if (e.reason === "") return yield* new Nope()
            yield* Mail.use((m) => m.send(e.reason))
          })
      }
    })
    expectTypeOf(p).toEqualTypeOf<Projection.Projection<Db | Mail>>()
  })

  it("every listed event needs a handler, and only those", () => {
    Projection.make({
      name: "p",
      events: [Opened, Closed],
      // @ts-expect-error — Closed has no handler
      handlers: { Opened: () => Effect.void }
    })
    Projection.make({
      name: "p",
      events: [Opened],
      handlers: {
        Opened: () => Effect.void,
        // @ts-expect-error — Closed is not among the projection's events
        Closed: () => Effect.void
      }
    })
  })
})
