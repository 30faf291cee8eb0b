/**
 * The Effect side: a no-op `Ping` handler called directly, and the same handler dispatched through
 * `CommandBus` with the default middleware, none, or one default middleware at a time; then handlers
 * whose effect still has to run (`Effect.sync`) or wait (`Effect.promise`), and a `QueryBus` query.
 *
 * `@cello/cqrs` is the package itself: its built `dist` under `pnpm bench`, its source under
 * `--conditions=@cello/source`.
 *
 * Every variant runs the same way: one `runtime.runPromise` per batch, the batch an `Effect.gen` loop
 * of `n` steps, so the direct call pays exactly the Effect-run overhead the bus does and the
 * difference is the bus's own.
 */
import { Command, CommandBus, type Message, Middleware, Query, QueryBus } from "@cello/cqrs"
import { Context, Effect, Fiber, Layer, ManagedRuntime, Schema, Tracer } from "effect"
import type { Variant } from "./harness.js"

export const Ping = Command.make("Ping", { payload: {}, success: Schema.Void })
export const Peek = Query.make("Peek", { payload: {}, success: Schema.Void })

/**
 * The handler, registered on the bus and called directly. `Effect.void` is done as it is made (an
 * `Exit`), which the bus sees: it only checks the outcome.
 */
const handle = (_payload: Message.Payload<typeof Ping>): Effect.Effect<void> => Effect.void

/** A handler whose effect has to run, as every `Effect.gen` handler's does: no I/O, one step. */
const handleLazy = (_payload: Message.Payload<typeof Ping>): Effect.Effect<void> =>
  Effect.sync(() => undefined)

/** A handler that waits once, as one that does I/O does: for a promise that is already resolved. */
const handleAsync = (_payload: Message.Payload<typeof Ping>): Effect.Effect<void> =>
  Effect.promise(() => Promise.resolve())

const loop = <E, R>(n: number, step: () => Effect.Effect<unknown, E, R>): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    for (let i = 0; i < n; i++) yield* step()
  })

const busLayer = (
  middleware: ReadonlyArray<Middleware.Middleware> | undefined,
  handler: typeof handle = handle
) =>
  CommandBus.handler(Ping, handler).pipe(
    Layer.provideMerge(CommandBus.layer(middleware === undefined ? {} : { middleware }))
  )

/** One middleware alone, named as in `Middleware.defaults`. */
export const singles: ReadonlyArray<readonly [string, Middleware.Middleware]> = [
  ["tracing", Middleware.tracing],
  ["metrics", Middleware.metrics],
  ["logging", Middleware.logging],
  ["timeout", Middleware.timeout],
  ["retryOnConflict", Middleware.retryOnConflict]
]

/** Effect's native tracer behind a tracer of its own: spans made as usual, but "installed". */
const installedTracer = Layer.succeed(
  Tracer.Tracer,
  Tracer.make({ span: (options) => Tracer.nativeTracer.span(options) })
)

/**
 * Diagnostics, not in `src`: a middleware that does nothing (what the bus itself spends per
 * middleware), and `tracing` with a tracer installed (an OTLP exporter, say), where it opens a span.
 */
export const diagnostics: ReadonlyArray<
  readonly [string, string, Middleware.Middleware, Layer.Layer<never> | undefined]
> = [
  [
    "identity",
    "identity `(context, next) => next`: what a chain costs the bus at all",
    (_context, next) => next,
    undefined
  ],
  ["tracing-installed", "tracing with a tracer installed (spans opened)", Middleware.tracing, installedTracer]
]

const inFiber = (fiber: Fiber.Fiber<unknown, unknown>): Effect.Effect<void> => {
  const running = Effect.runForkWith(fiber.context)(handleLazy({}))
  return running.pollUnsafe() ?? Fiber.join(running)
}

/** A service of the floors' own: what a handler's context adds to the caller's. */
const Floor = Context.Reference<boolean>("bench/Floor", { defaultValue: () => false })

/**
 * Floors, not in `src`: the least a bus built on Effect can spend. The handler's effect reached
 * through one `Effect.withFiber` step (a bus must read itself from the fiber's context); a handler
 * effect that has to run, from that step; run in another context (its layer's, and a command's
 * message context) in the dispatching fiber, switched back after; or in a fiber of its own, as
 * `CommandBus` runs it, and that under a finalizer (which interrupts the handler's fiber if the
 * caller is interrupted meanwhile).
 */
export const floors: ReadonlyArray<readonly [string, string, () => Effect.Effect<void>]> = [
  [
    "floor-step",
    "one `Effect.withFiber` step, then the handler effect (`Effect.void`)",
    () => Effect.withFiber(() => handle({}))
  ],
  [
    "floor-step-lazy",
    "one `Effect.withFiber` step, then an `Effect.sync` handler effect",
    () => Effect.withFiber(() => handleLazy({}))
  ],
  [
    "floor-context-lazy",
    "the same in another context, in the dispatching fiber (`Effect.updateContext`)",
    () =>
      Effect.withFiber((fiber) =>
        Effect.updateContext(handleLazy({}), () => Context.add(fiber.context, Floor, true))
      )
  ],
  [
    "floor-fiber-lazy",
    "the same in a fiber of its own (`Effect.runForkWith`)",
    () => Effect.withFiber(inFiber)
  ],
  [
    "floor-guarded-lazy",
    "the same under a finalizer (`Effect.onExitPrimitive`), as `CommandBus` guards it",
    () => Effect.onExitPrimitive(Effect.withFiber(inFiber), () => undefined)
  ]
]

export interface Side {
  readonly variants: ReadonlyArray<Variant>
  readonly dispose: () => Promise<void>
}

/** A bus to time: its runtime built, a batch of `n` dispatches, and its disposal. */
interface Bus {
  readonly key: string
  readonly label: string
  readonly ready: () => Promise<void>
  readonly batch: (n: number) => Promise<void>
  readonly dispose: () => Promise<void>
}

const busOf = <R, ER>(
  key: string,
  label: string,
  layer: Layer.Layer<R, ER>,
  dispatch: () => Effect.Effect<void, unknown, R>
): Bus => {
  const runtime = ManagedRuntime.make(layer)
  return {
    key,
    label,
    ready: () => runtime.runPromise(dispatch()),
    batch: (n) => runtime.runPromise(loop(n, dispatch)),
    dispose: () => runtime.dispose()
  }
}

export const make = async (): Promise<Side> => {
  const direct = ManagedRuntime.make(Layer.empty)
  const ping = () => CommandBus.dispatch(Ping, {})
  const plain = (
    key: string,
    label: string,
    middleware: ReadonlyArray<Middleware.Middleware> | undefined,
    handler: typeof handle = handle
  ) => busOf(key, label, busLayer(middleware, handler), ping)
  const queries = (
    key: string,
    label: string,
    middleware: ReadonlyArray<Middleware.Middleware> | undefined
  ) =>
    busOf(
      key,
      label,
      QueryBus.handler(Peek, handleLazy).pipe(
        Layer.provideMerge(QueryBus.layer(middleware === undefined ? {} : { middleware }))
      ),
      () => QueryBus.dispatch(Peek, {})
    )
  const buses = [
    plain("default", "`CommandBus.dispatch`, default middleware", undefined),
    plain("none", "`CommandBus.dispatch`, no middleware", []),
    plain("default-async", "`CommandBus.dispatch`, default middleware", undefined, handleAsync),
    plain("none-async", "`CommandBus.dispatch`, no middleware", [], handleAsync),
    plain("default-lazy", "`CommandBus.dispatch`, default middleware", undefined, handleLazy),
    plain("none-lazy", "`CommandBus.dispatch`, no middleware", [], handleLazy),
    queries("query-default-lazy", "`QueryBus.dispatch`, default middleware", undefined),
    queries("query-none-lazy", "`QueryBus.dispatch`, no middleware", []),
    ...singles.map(([name, m]) => plain(`only-${name}`, `\`CommandBus.dispatch\`, only ${name}`, [m])),
    ...diagnostics.map(([key, label, m, around]) =>
      busOf(
        key,
        label,
        around === undefined ? busLayer([m]) : busLayer([m]).pipe(Layer.provideMerge(around)),
        ping
      )
    )
  ]

  // Build every runtime before timing anything, and check each bus answers.
  await direct.runPromise(handle({}))
  for (const b of buses) await b.ready()

  const variants: ReadonlyArray<Variant> = [
    {
      key: "direct",
      label: "direct call of the handler effect",
      batch: (n) => direct.runPromise(loop(n, () => handle({})))
    },
    {
      key: "direct-lazy",
      label: "direct call of the handler effect",
      batch: (n) => direct.runPromise(loop(n, () => handleLazy({})))
    },
    {
      key: "direct-async",
      label: "direct call of the handler effect",
      batch: (n) => direct.runPromise(loop(n, () => handleAsync({})))
    },
    ...floors.map(
      ([key, label, step]): Variant => ({ key, label, batch: (n) => direct.runPromise(loop(n, step)) })
    ),
    ...buses.map((b): Variant => ({ key: b.key, label: b.label, batch: b.batch }))
  ]
  return {
    variants,
    dispose: async () => {
      await direct.dispose()
      for (const b of buses) await b.dispose()
    }
  }
}
