// What the README says of a decide that fails in two ways (examples/lending.ts): Effect.gen gives the
// union; one `Effect.fail` per branch does not type-check (TypeScript infers the first branch's error).
import { Effect, Schema } from "effect"
import { expectTypeOf, it } from "vitest"
import { Aggregate, Repository } from "../src/index.js"

class Added extends Schema.TaggedClass<Added>()("Added", {}) {}
class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {}) {}
class AlreadyLent extends Schema.TaggedError<AlreadyLent>()("AlreadyLent", {}) {}
const Book = Aggregate.make<{ readonly n: number }>()({
  name: "Book",
  initialState: { n: 0 },
  events: [Added],
  evolve: { Added: (s) => ({ n: s.n + 1 }) }
})

it("Effect.gen: the errors add up to a union", () => {
  const handled = Repository.handle(Book, "b", (s) =>
    Effect.gen(function* () {
      if (s.n === 0) return yield* new NotFound()
      if (s.n > 1) return yield* new AlreadyLent()
      return [new Added()]
    })
  )
  expectTypeOf<Effect.Error<typeof handled>>().toExtend<NotFound | AlreadyLent | { readonly _tag: string }>()
  expectTypeOf<NotFound>().toExtend<Effect.Error<typeof handled>>()
  expectTypeOf<AlreadyLent>().toExtend<Effect.Error<typeof handled>>()
})

it("one Effect.fail per branch: rejected", () => {
  // @ts-expect-error TS2345: the error was inferred from the first branch (NotFound), not a union
  Repository.handle(Book, "b", (s) => {
    if (s.n === 0) return Effect.fail(new NotFound())
    if (s.n > 1) return Effect.fail(new AlreadyLent())
    return Effect.succeed([new Added()])
  })
})
