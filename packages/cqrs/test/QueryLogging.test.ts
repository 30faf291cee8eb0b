/**
 * The default logging: a query's declared failure is its answer and is logged at Debug; a failure it
 * does not declare warns, a defect is an error, and a command's declared failure still warns. Run
 * through the default chain (the bus's one-step path) and through `Middleware.logging` in a chain.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, type LogLevel, References, Schema } from "effect"
import { CommandBus, Middleware, Query, QueryBus } from "../src/index.js"
import { OrderRejected, PlaceOrder } from "./fixtures.js"

class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { id: Schema.String }) {}
class Broken extends Schema.TaggedError<Broken>()("Broken", {}) {}

const Find = Query.make("Find", { payload: { id: Schema.String }, success: Schema.String, failure: NotFound })

const levelsOf = <E, LE>(
  bus: Layer.Layer<QueryBus.QueryBus | CommandBus.CommandBus, LE>,
  program: Effect.Effect<unknown, E, QueryBus.QueryBus | CommandBus.CommandBus>
) =>
  Effect.gen(function* () {
    const levels: Array<LogLevel.LogLevel> = []
    const logger = Logger.layer([Logger.make(({ logLevel }) => void levels.push(logLevel))])
    yield* program.pipe(
      Effect.exit,
      Effect.provide(bus),
      Effect.provide(logger),
      Effect.provideService(References.MinimumLogLevel, "Debug")
    )
    return levels
  })

const handlers = Layer.mergeAll(
  QueryBus.handler(
    Find,
    ({ id }): Effect.Effect<string, NotFound | Broken> =>
      id === "broken"
        ? Effect.die(new Broken())
        : id === "undeclared"
          ? Effect.fail(new Broken())
          : Effect.fail(new NotFound({ id }))
  ),
  CommandBus.handler(PlaceOrder, () => Effect.fail(new OrderRejected({ reason: "no" })))
)

const buses = {
  "the defaults (one step)": Layer.mergeAll(QueryBus.layer(), CommandBus.layer()),
  "logging in a chain": Layer.mergeAll(
    QueryBus.layer({ middleware: [Middleware.logging] }),
    CommandBus.layer({ middleware: [Middleware.logging] })
  )
}

describe("failure logging", () => {
  for (const [name, layer] of Object.entries(buses)) {
    const bus = handlers.pipe(Layer.provideMerge(layer))
    it.effect(`${name}: a query's declared failure at Debug, the rest as before`, () =>
      Effect.gen(function* () {
        const find = (id: string) => QueryBus.dispatch(Find, { id })
        assert.deepStrictEqual(yield* levelsOf(bus, find("missing")), ["Debug"])
        assert.deepStrictEqual(yield* levelsOf(bus, find("undeclared")), ["Warn"])
        assert.deepStrictEqual(yield* levelsOf(bus, find("broken")), ["Error"])
        assert.deepStrictEqual(
          yield* levelsOf(bus, CommandBus.dispatch(PlaceOrder, { customerId: "c", items: [] })),
          ["Warn"]
        )
      })
    )
  }
})
