import { Command, CommandBus, QueryBus } from "@cello/cqrs"
import { HttpAdapter } from "@cello/http-adapter"
import { Effect, Layer, Schema } from "effect"

export class SeatNotFound extends Schema.TaggedError<SeatNotFound>()("SeatNotFound", {
  seat: Schema.String
}) {
  override get message(): string {
    return `no seat ${this.seat}`
  }
}
export class SeatTaken extends Schema.TaggedError<SeatTaken>()("SeatTaken", { seat: Schema.String }) {
  override get message(): string {
    return `seat ${this.seat} is taken`
  }
}

export const BookSeat = Command.make("BookSeat", {
  payload: { seat: Schema.String, passenger: Schema.String },
  success: Schema.Struct({ seat: Schema.String, status: Schema.Literals(["booked", "waitlisted"]) }),
  failure: Schema.Union([SeatNotFound, SeatTaken])
})

const seats = new Set(["1A", "1B", "2A"])
const handler = CommandBus.handler(BookSeat, ({ seat, passenger }) =>
  Effect.gen(function* () {
    if (!seats.has(seat)) return yield* new SeatNotFound({ seat })
    if (seat === "1A") return yield* new SeatTaken({ seat })
    return { seat, status: passenger === "late" ? ("waitlisted" as const) : ("booked" as const) }
  })
)

// Each declared failure says how it answers; a result can answer another status. All of it is in
// /openapi.json: 201, 202 (waitlisted), 404 (SeatNotFound), 422 seat-taken (SeatTaken), ...
export const Routes = HttpAdapter.make({
  routes: [
    HttpAdapter.command(BookSeat, {
      path: "/seats/:seat/bookings",
      status: 201,
      failures: {
        // SeatNotFound keeps the default: 404 (a `…NotFound`), type urn:cello:problem:seat-not-found.
        SeatTaken: { status: 422, type: "seat-taken", title: "Seat already taken" }
      },
      results: [{ when: (r) => r.status === "waitlisted", status: 202, description: "On the waiting list" }]
    })
  ]
})

export const App = Routes.pipe(
  Layer.provide(handler),
  Layer.provide(Layer.mergeAll(CommandBus.layer(), QueryBus.layer()))
)
// POST /seats/2A/bookings {"passenger":"Ada"}  → 201 {"seat":"2A","status":"booked"}
// POST /seats/2A/bookings {"passenger":"late"} → 202 {"seat":"2A","status":"waitlisted"}
// POST /seats/1A/bookings {"passenger":"Ada"}  → 422 {"type":"urn:cello:problem:seat-taken","title":"Seat already taken",...}
// POST /seats/9Z/bookings {"passenger":"Ada"}  → 404 {"type":"urn:cello:problem:seat-not-found",...}
