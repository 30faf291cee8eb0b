import { Aggregate, Repository } from "@cello/eventsourcing"
import { MemoryEventStore } from "@cello/store-memory/eventsourcing"
import { Effect, Schema } from "effect"

class BookAdded extends Schema.TaggedClass<BookAdded>()("BookAdded", { title: Schema.String }) {}
class BookLent extends Schema.TaggedClass<BookLent>()("BookLent", { to: Schema.String }) {}
class BookNotFound extends Schema.TaggedError<BookNotFound>()("BookNotFound", { id: Schema.String }) {}
class BookAlreadyLent extends Schema.TaggedError<BookAlreadyLent>()("BookAlreadyLent", {
  to: Schema.String
}) {}

const Book = Aggregate.make<{ readonly exists: boolean; readonly lentTo: string | null }>()({
  name: "Book",
  initialState: { exists: false, lentTo: null },
  events: [BookAdded, BookLent],
  evolve: {
    BookAdded: () => ({ exists: true, lentTo: null }),
    BookLent: (state, e) => ({ ...state, lentTo: e.to })
  }
})

// A decide that can fail in two ways: write it with Effect.gen and `return yield* new Error(...)`,
// so the errors add up to a union. (Returning `Effect.fail(a)` on one branch and `Effect.fail(b)`
// on another makes TypeScript infer the error from the first branch and reject the second.)
const lend = (id: string, to: string) =>
  Repository.handle(Book, id, (book) =>
    Effect.gen(function* () {
      if (!book.exists) return yield* new BookNotFound({ id })
      if (book.lentTo !== null) return yield* new BookAlreadyLent({ to: book.lentTo })
      return [new BookLent({ to })]
    })
  )

export const program = Effect.gen(function* () {
  yield* Repository.handle(Book, "book-1", () => [new BookAdded({ title: "Dune" })])
  yield* lend("book-1", "ann")
  // The error type is BookNotFound | BookAlreadyLent (| the store's errors): match each by tag.
  const again = yield* lend("book-1", "bob").pipe(
    Effect.map(() => "lent"),
    Effect.catchTags({ BookAlreadyLent: (e) => Effect.succeed(`already lent to ${e.to}`) })
  )
  const missing = yield* lend("book-2", "bob").pipe(
    Effect.map(() => "lent"),
    Effect.catchTags({ BookNotFound: (e) => Effect.succeed(`no ${e.id}`) })
  )
  return { again, missing }
}).pipe(Effect.provide(MemoryEventStore.layer))

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(program).then(console.log)
  // → { again: 'already lent to ann', missing: 'no book-2' }
}
