import { assert, describe, it } from "@effect/vitest"
import {
  Cause,
  Context,
  Deferred,
  Effect,
  Exit,
  Fiber,
  Layer,
  Metric,
  Option,
  Ref,
  Schema,
  Stream,
  Tracer
} from "effect"
import { TestClock } from "effect/testing"
import {
  Command,
  CommandBus,
  CqrsConfig,
  Message,
  MessageContext,
  Metrics,
  Middleware,
  QueryBus,
  Result,
  StoreUnavailable
} from "../src/index.js"
import { GetOrder, OrderRejected, Ping, PlaceOrder } from "./fixtures.js"

const placeOrder = CommandBus.handler(PlaceOrder, ({ customerId, items }) =>
  customerId === "banned"
    ? Effect.fail(new OrderRejected({ reason: "customer is banned" }))
    : Effect.succeed({ orderId: `o-${customerId}-${items.length}` })
)

const Commands = placeOrder.pipe(Layer.provideMerge(CommandBus.layer()))

describe("CommandBus", () => {
  it.effect("dispatch runs the handler and returns its typed success", () =>
    Effect.gen(function* () {
      const result = yield* CommandBus.dispatch(PlaceOrder, { customerId: "c1", items: ["Widget"] })
      assert.deepStrictEqual(result, { orderId: "o-c1-1" })
    }).pipe(Effect.provide(Commands))
  )

  it.effect("a declared domain failure arrives typed", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        CommandBus.dispatch(PlaceOrder, { customerId: "banned", items: ["x"] })
      )
      assert.instanceOf(error, OrderRejected)
      if (error._tag === "OrderRejected") assert.strictEqual(error.reason, "customer is banned")
    }).pipe(Effect.provide(Commands))
  )

  it.effect("a command without a handler fails with HandlerNotFound naming it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(CommandBus.dispatch(Ping, {}))
      assert.strictEqual(error._tag, "HandlerNotFound")
      assert.strictEqual(error.message, 'no handler is registered for command "Ping"')
    }).pipe(Effect.provide(Commands))
  )

  it.effect("two handlers for one command fail the app at start-up", () =>
    Effect.gen(function* () {
      const twice = Layer.mergeAll(
        CommandBus.handler(Ping, () => Effect.void),
        CommandBus.handler(Ping, () => Effect.void)
      ).pipe(Layer.provideMerge(CommandBus.layer()))
      const error = yield* Effect.flip(Layer.build(twice))
      assert.strictEqual(error._tag, "DuplicateHandler")
      assert.match(error.message, /"Ping" is already registered/)
    }).pipe(Effect.scoped)
  )

  it.effect("a payload that breaks its schema (an untyped caller) is refused, naming each bad field", () =>
    Effect.gen(function* () {
      const untyped: unknown = { customerId: "", items: [] }
      const error = yield* Effect.flip(Message.decode(PlaceOrder)(untyped))
      assert.strictEqual(error._tag, "ValidationError")
      assert.deepStrictEqual(
        error.issues.map((i) => i.path),
        ["customerId", "items"]
      )
      // The bus checks payloads too: a JS caller cannot slip one past the schema.
      const viaBus = yield* Effect.flip(
        CommandBus.CommandBus.use((bus) =>
          bus.dispatch(PlaceOrder, JSON.parse('{"customerId":"","items":[]}'))
        )
      )
      assert.strictEqual(viaBus._tag, "ValidationError")
    }).pipe(Effect.provide(Commands))
  )

  it.effect("an undeclared handler error becomes HandlerFailed, with its tag and message", () =>
    Effect.gen(function* () {
      const Boom = Command.make("Boom", { payload: {}, success: Schema.Void })
      const layer = CommandBus.handler(Boom, () => Effect.fail(new Error("disk on fire"))).pipe(
        Layer.provideMerge(CommandBus.layer())
      )
      const error = yield* Effect.flip(CommandBus.dispatch(Boom, {}).pipe(Effect.provide(layer)))
      assert.strictEqual(error._tag, "HandlerFailed")
      assert.match(error.message, /disk on fire/)
    })
  )

  it.effect("a store outage in a handler becomes HandlerFailed naming the store", () =>
    Effect.gen(function* () {
      const Read = Command.make("Read", { payload: {}, success: Schema.Void })
      const down = new StoreUnavailable({ store: "redis", operation: "get", detail: "10.0.0.1:6379 refused" })
      const layer = CommandBus.handler(Read, () => Effect.fail(down)).pipe(
        Layer.provideMerge(CommandBus.layer())
      )
      const error = yield* Effect.flip(CommandBus.dispatch(Read, {}).pipe(Effect.provide(layer)))
      assert.strictEqual(error._tag, "HandlerFailed")
      if (error._tag === "HandlerFailed") {
        assert.strictEqual(error.errorTag, "StoreUnavailable")
        assert.strictEqual(error.store, "redis")
      }
    })
  )

  it.effect("the timeout middleware fails a slow command with CommandTimeout", () =>
    Effect.gen(function* () {
      const Slow = Command.make("Slow", { payload: {}, success: Schema.Void })
      const layer = CommandBus.handler(Slow, () => Effect.sleep("1 minute")).pipe(
        Layer.provideMerge(CommandBus.layer()),
        Layer.provide(CqrsConfig.layer({ commandTimeout: "30 seconds" }))
      )
      const fiber = yield* Effect.forkChild(
        Effect.flip(CommandBus.dispatch(Slow, {}).pipe(Effect.provide(layer)))
      )
      yield* TestClock.adjust("31 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "CommandTimeout")
      assert.match(error.message, /Slow.*30000 ms/)
    })
  )

  it.effect("interrupting a dispatch interrupts its handler, with the default middleware, one or none", () =>
    Effect.gen(function* () {
      // The handler's first step resumes the caller, which interrupts the dispatch before the
      // handler's first step is over.
      for (const middleware of [undefined, [], [Middleware.timeout]]) {
        const started = yield* Deferred.make<void>()
        const stopped = yield* Deferred.make<void>()
        const layer = CommandBus.handler(Ping, () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.andThen(Effect.never),
            Effect.onInterrupt(() => Deferred.succeed(stopped, undefined))
          )
        ).pipe(Layer.provideMerge(CommandBus.layer(middleware === undefined ? {} : { middleware })))
        yield* Effect.gen(function* () {
          const fiber = yield* Effect.forkChild(CommandBus.dispatch(Ping, {}))
          yield* Deferred.await(started)
          yield* Fiber.interrupt(fiber)
          // Done once the dispatch is: the handler was interrupted before the dispatch ended.
          assert.isTrue(yield* Deferred.isDone(stopped), `middleware: ${middleware?.length ?? "defaults"}`)
        }).pipe(Effect.provide(layer))
      }
    })
  )

  it.live("ConcurrencyError is retried with backoff, up to maxRetries", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const Flaky = Command.make("Flaky", { payload: { failures: Schema.Number }, success: Schema.Number })
      const layer = CommandBus.handler(Flaky, ({ failures }) =>
        Ref.updateAndGet(attempts, (n) => n + 1).pipe(
          Effect.flatMap((n) =>
            n <= failures ? Effect.fail({ _tag: "ConcurrencyError" as const }) : Effect.succeed(n)
          )
        )
      ).pipe(
        Layer.provideMerge(CommandBus.layer()),
        Layer.provide(CqrsConfig.layer({ maxRetries: 3, retryDelay: "1 millis" }))
      )
      const ok = yield* CommandBus.dispatch(Flaky, { failures: 2 }).pipe(Effect.provide(layer))
      assert.strictEqual(ok, 3)
      yield* Ref.set(attempts, 0)
      const error = yield* Effect.flip(
        CommandBus.dispatch(Flaky, { failures: 10 }).pipe(Effect.provide(layer))
      )
      assert.strictEqual(error._tag, "HandlerFailed")
      if (error._tag === "HandlerFailed") assert.strictEqual(error.errorTag, "ConcurrencyError")
      assert.strictEqual(yield* Ref.get(attempts), 4)
    })
  )

  it.live("a ConcurrencyError after I/O is retried too, within the timeout", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const Flaky = Command.make("FlakyIO", { payload: {}, success: Schema.Number })
      const layer = CommandBus.handler(Flaky, () =>
        Effect.sleep("1 millis").pipe(
          Effect.andThen(Ref.updateAndGet(attempts, (n) => n + 1)),
          Effect.flatMap((n) =>
            n <= 2 ? Effect.fail({ _tag: "ConcurrencyError" as const }) : Effect.succeed(n)
          )
        )
      ).pipe(
        Layer.provideMerge(CommandBus.layer()),
        Layer.provide(
          CqrsConfig.layer({ maxRetries: 3, retryDelay: "1 millis", commandTimeout: "5 seconds" })
        )
      )
      assert.strictEqual(yield* CommandBus.dispatch(Flaky, {}).pipe(Effect.provide(layer)), 3)
    })
  )

  it.effect("middleware runs in the order given, outermost first, around the handler", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const mark =
        (name: string): Middleware.Middleware =>
        (context, next) =>
          Effect.sync(() => log.push(`${name}>${context.definition.name}`)).pipe(
            Effect.andThen(next),
            Effect.tap(() => Effect.sync(() => log.push(`<${name}`)))
          )
      const layer = CommandBus.handler(Ping, () => Effect.sync(() => log.push("handler"))).pipe(
        Layer.provideMerge(CommandBus.layer({ middleware: [mark("a"), mark("b"), mark("c")] }))
      )
      yield* CommandBus.dispatch(Ping, {}).pipe(Effect.provide(layer))
      assert.deepStrictEqual(log, ["a>Ping", "b>Ping", "c>Ping", "handler", "<c", "<b", "<a"])
    })
  )

  it.effect("streaming handlers stream progress items", () =>
    Effect.gen(function* () {
      const Import = Command.make("Import", { payload: { rows: Schema.Number }, success: Schema.Number })
      const layer = CommandBus.streamHandler(Import, ({ rows }) => Stream.range(1, rows)).pipe(
        Layer.provideMerge(CommandBus.layer())
      )
      const items = yield* CommandBus.dispatchStream(Import, { rows: 4 }).pipe(
        Stream.runCollect,
        Effect.provide(layer)
      )
      assert.deepStrictEqual(items, [1, 2, 3, 4])
    })
  )

  it.effect("a chain of handlers: the first to accept handles it; none → NoHandlerAccepted", () =>
    Effect.gen(function* () {
      const Pay = Command.make("Pay", { payload: { amount: Schema.Number }, success: Schema.String })
      const layer = CommandBus.chain(Pay, [
        ({ amount }) => Effect.succeed(amount < 10 ? Option.some("petty cash") : Option.none()),
        ({ amount }) => Effect.succeed(amount < 1000 ? Option.some("card") : Option.none())
      ]).pipe(Layer.provideMerge(CommandBus.layer()))
      const results = yield* Effect.all([5, 500].map((amount) => CommandBus.dispatch(Pay, { amount }))).pipe(
        Effect.provide(layer)
      )
      assert.deepStrictEqual(results, ["petty cash", "card"])
      const error = yield* Effect.flip(CommandBus.dispatch(Pay, { amount: 5000 }).pipe(Effect.provide(layer)))
      assert.strictEqual(error._tag, "NoHandlerAccepted")
    })
  )
})

describe("QueryBus and results", () => {
  const Queries = QueryBus.handler(GetOrder, ({ orderId }) =>
    Effect.succeed(orderId === "o-1" ? Option.some({ orderId, status: "created" }) : Option.none())
  ).pipe(Layer.provideMerge(QueryBus.layer()))

  it.effect("queries dispatch to their handler; QueryResult says found or not found", () =>
    Effect.gen(function* () {
      const found = yield* Result.query(QueryBus.dispatch(GetOrder, { orderId: "o-1" }))
      assert.deepStrictEqual(found, { _tag: "Found", value: { orderId: "o-1", status: "created" } })
      const missing = yield* Result.query(QueryBus.dispatch(GetOrder, { orderId: "o-2" }))
      assert.deepStrictEqual(missing, { _tag: "NotFound" })
    }).pipe(Effect.provide(Queries))
  )

  it.effect("CommandResult: ok, rejected (declared failure), failed (bus error)", () =>
    Effect.gen(function* () {
      const ok = yield* Result.command(CommandBus.dispatch(PlaceOrder, { customerId: "c", items: ["a"] }))
      const rejected = yield* Result.command(
        CommandBus.dispatch(PlaceOrder, { customerId: "banned", items: ["a"] })
      )
      const failed = yield* Result.command(CommandBus.dispatch(Ping, {}))
      assert.deepStrictEqual([ok._tag, rejected._tag, failed._tag], ["Ok", "Rejected", "Failed"])
      if (rejected._tag === "Rejected") assert.strictEqual(rejected.error.reason, "customer is banned")
      if (failed._tag === "Failed") assert.strictEqual(failed.error._tag, "HandlerNotFound")
    }).pipe(Effect.provide(Commands))
  )
})

describe("observability", () => {
  it.effect("each dispatch gets a span and counts in the dispatch metrics, errors by tag", () =>
    Effect.gen(function* () {
      const spans: Array<string> = []
      const Recording = Layer.succeed(
        Tracer.Tracer,
        Tracer.make({
          span(options) {
            spans.push(options.name)
            return Tracer.nativeTracer.span(options)
          }
        })
      )
      const dispatches = Metric.withAttributes(Metrics.dispatches, { kind: "command", name: "PlaceOrder" })
      const rejected = Metric.withAttributes(Metrics.errors, {
        kind: "command",
        name: "PlaceOrder",
        error: "OrderRejected"
      })
      const count = Effect.all([Metric.value(dispatches), Metric.value(rejected)]).pipe(
        Effect.map(([d, r]) => ({ dispatches: d.count, rejected: r.count }))
      )
      const before = yield* count
      yield* CommandBus.dispatch(PlaceOrder, { customerId: "c", items: ["a"] }).pipe(
        Effect.provide(Commands),
        Effect.provide(Recording)
      )
      yield* Effect.exit(CommandBus.dispatch(PlaceOrder, { customerId: "banned", items: ["a"] })).pipe(
        Effect.provide(Commands)
      )
      const after = yield* count
      assert.deepStrictEqual([after.dispatches - before.dispatches, after.rejected - before.rejected], [2, 1])
      assert.include(spans, "CommandBus.dispatch PlaceOrder")
    })
  )

  it.effect("under Effect's native tracer a dispatch opens no span; with a tracer installed it does", () =>
    Effect.gen(function* () {
      // What span the handler runs in: the dispatch's own, or the caller's.
      const seen: Array<string> = []
      const layer = CommandBus.handler(Ping, () =>
        Effect.map(Effect.option(Effect.currentSpan), (span) => {
          seen.push(Option.match(span, { onNone: () => "none", onSome: (s) => s.name }))
        })
      ).pipe(Layer.provideMerge(CommandBus.layer()))
      const installed = Tracer.make({ span: (options) => Tracer.nativeTracer.span(options) })
      const inCaller = (tracer: Tracer.Tracer) =>
        CommandBus.dispatch(Ping, {}).pipe(
          Effect.withSpan("caller"),
          Effect.provide(layer),
          Effect.provideService(Tracer.Tracer, tracer)
        )
      yield* inCaller(Tracer.nativeTracer)
      yield* inCaller(installed)
      assert.deepStrictEqual(seen, ["caller", "CommandBus.dispatch Ping"])
    })
  )

  it.effect("dispatch latency lands in the series `Metric.withAttributes(Metrics.latency, …)` reads", () =>
    Effect.gen(function* () {
      const latency = Metric.withAttributes(Metrics.latency, { kind: "command", name: "PlaceOrder" })
      const before = (yield* Metric.value(latency)).count
      yield* CommandBus.dispatch(PlaceOrder, { customerId: "c", items: ["a"] }).pipe(Effect.provide(Commands))
      yield* Effect.exit(CommandBus.dispatch(PlaceOrder, { customerId: "banned", items: ["a"] })).pipe(
        Effect.provide(Commands)
      )
      assert.strictEqual((yield* Metric.value(latency)).count - before, 2)
    })
  )

  it.effect("an interrupted dispatch still counts, with its latency", () =>
    Effect.gen(function* () {
      const layer = CommandBus.handler(Ping, () => Effect.never).pipe(Layer.provideMerge(CommandBus.layer()))
      const attributes = { kind: "command", name: "Ping" }
      const dispatches = Metric.withAttributes(Metrics.dispatches, attributes)
      const latency = Metric.withAttributes(Metrics.latency, attributes)
      const count = Effect.all([Metric.value(dispatches), Metric.value(latency)]).pipe(
        Effect.map(([d, l]) => [d.count, l.count])
      )
      const [dispatchedBefore = 0, timedBefore = 0] = yield* count
      yield* Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(CommandBus.dispatch(Ping, {}))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
      }).pipe(Effect.provide(layer))
      const [dispatched = 0, timed = 0] = yield* count
      assert.deepStrictEqual([dispatched - dispatchedBefore, timed - timedBefore], [1, 1])
    })
  )
})

describe("how a dispatch runs its handler", () => {
  const Check = Command.make("Check", {
    payload: { outcome: Schema.String },
    success: Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)),
    failure: OrderRejected
  })
  // The handler's effect done as made (an `Exit`), or one that has to run first.
  const shapes = {
    made: <A, E>(effect: Effect.Effect<A, E>) => effect,
    run: <A, E>(effect: Effect.Effect<A, E>) => Effect.suspend(() => effect)
  }
  const middlewares = { defaults: undefined, none: [] }

  it.effect("outcomes are checked alike: effect done as made or to run, default middleware or none", () =>
    Effect.gen(function* () {
      for (const [shape, wrap] of Object.entries(shapes))
        for (const [chain, middleware] of Object.entries(middlewares)) {
          const where = `${shape}, ${chain}`
          const layer = CommandBus.handler(Check, ({ outcome }) =>
            wrap(
              outcome === "ok"
                ? Effect.succeed(1)
                : outcome === "rejected"
                  ? Effect.fail(new OrderRejected({ reason: "no" }))
                  : outcome === "undeclared"
                    ? Effect.fail(new Error("disk on fire"))
                    : Effect.succeed(-1)
            )
          ).pipe(Layer.provideMerge(CommandBus.layer(middleware === undefined ? {} : { middleware })))
          const outcomes = yield* Effect.forEach(["ok", "rejected", "undeclared", "refused"], (outcome) =>
            Effect.exit(CommandBus.dispatch(Check, { outcome }))
          ).pipe(Effect.provide(layer))
          const [ok, rejected, undeclared, refused] = outcomes
          assert.deepStrictEqual(ok, Exit.succeed(1), where)
          assert.strictEqual(
            rejected?._tag === "Failure" && Cause.squash(rejected.cause) instanceof OrderRejected,
            true,
            where
          )
          const failed = undeclared?._tag === "Failure" ? Cause.squash(undeclared.cause) : undefined
          assert.strictEqual(
            typeof failed === "object" && failed !== null && "_tag" in failed ? failed._tag : undefined,
            "HandlerFailed",
            where
          )
          assert.strictEqual(refused?._tag === "Failure" && Cause.hasDies(refused.cause), true, where)
        }
    })
  )

  it.effect(
    "with no middleware the handler runs in its layer's context and the command's; the caller's is untouched",
    () =>
      Effect.gen(function* () {
        class Layered extends Context.Service<Layered, { readonly from: string }>()("test/Layered") {}
        const seen: Array<{ readonly from: string; readonly commandId?: string }> = []
        const layer = CommandBus.handler(Ping, () =>
          Effect.map(Effect.all([Effect.service(Layered), MessageContext.current]), ([layered, message]) => {
            seen.push({ from: layered.from, ...message })
            return undefined
          })
        ).pipe(
          Layer.provide(Layer.succeed(Layered, { from: "handler layer" })),
          Layer.provideMerge(CommandBus.layer({ middleware: [] }))
        )
        yield* Effect.gen(function* () {
          const before = yield* Effect.context<never>()
          yield* CommandBus.dispatch(Ping, {})
          assert.strictEqual(yield* Effect.context<never>(), before)
          assert.deepStrictEqual(yield* MessageContext.current, {})
          assert.strictEqual(seen[0]?.from, "handler layer")
          assert.match(seen[0]?.commandId ?? "", /^[0-9a-f-]{36}$/)
        }).pipe(Effect.provide(layer))
      })
  )

  it.effect("with no middleware an interrupted dispatch leaves the caller's context as it was", () =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const afterwards = yield* Deferred.make<MessageContext.MessageContext>()
      const layer = CommandBus.handler(Ping, () =>
        Effect.andThen(Deferred.succeed(started, undefined), Effect.never)
      ).pipe(Layer.provideMerge(CommandBus.layer({ middleware: [] })))
      yield* Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(
          CommandBus.dispatch(Ping, {}).pipe(
            // What the caller's own finalizer sees once the dispatch is interrupted.
            Effect.onExit(() =>
              Effect.flatMap(MessageContext.current, (c) => Deferred.succeed(afterwards, c))
            ),
            MessageContext.provide({ correlationId: "request-1" })
          )
        )
        yield* Deferred.await(started)
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(yield* Deferred.await(afterwards), { correlationId: "request-1" })
      }).pipe(Effect.provide(layer))
    })
  )
})
