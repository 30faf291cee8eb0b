/**
 * The Effect side: a no-op `Ping` handler called directly, and the same handler dispatched through
 * `CommandBus` with the default middleware, none, or one default middleware at a time.
 *
 * `@cello/cqrs` is the package itself: its built `dist` under `pnpm bench`, its source under
 * `--conditions=@cello/source`.
 *
 * Every variant runs the same way: one `runtime.runPromise` per batch, the batch an `Effect.gen` loop
 * of `n` steps, so the direct call pays exactly the Effect-run overhead the bus does and the
 * difference is the bus's own.
 */
import { Command, CommandBus, type Message, Middleware } from "@cello/cqrs"
import { Effect, Fiber, Layer, ManagedRuntime, Schema, Tracer } from "effect"
import type { Variant } from "./harness.js"

export const Ping = Command.make("Ping", { payload: {}, success: Schema.Void })

/** The handler, registered on the bus and called directly. */
const handle = (_payload: Message.Payload<typeof Ping>): Effect.Effect<void> => Effect.void

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
  const running = Effect.runForkWith(fiber.context)(handle({}))
  return running.pollUnsafe() ?? Fiber.join(running)
}

/**
 * Floors, not in `src`: the least a bus built on Effect can spend, the handler's effect reached
 * through one `Effect.withFiber` step (a bus must read itself from the fiber's context), run in a
 * fiber of its own from that step (where the bus runs it, in its layer's context), and that under
 * a finalizer (which interrupts the handler's fiber if the caller is interrupted during the step).
 */
export const floors: ReadonlyArray<readonly [string, string, () => Effect.Effect<void>]> = [
  [
    "floor-step",
    "one `Effect.withFiber` step, then the handler effect",
    () => Effect.withFiber(() => handle({}))
  ],
  [
    "floor-fiber",
    "one `Effect.withFiber` step running the handler in a fiber of its own (`Effect.runForkWith`)",
    () => Effect.withFiber(inFiber)
  ],
  [
    "floor-guarded",
    "the same under a finalizer (`Effect.onExitPrimitive`), as `CommandBus` guards a dispatch",
    () => Effect.onExitPrimitive(Effect.withFiber(inFiber), () => undefined)
  ]
]

export interface Side {
  readonly variants: ReadonlyArray<Variant>
  readonly dispose: () => Promise<void>
}

export const make = async (): Promise<Side> => {
  const direct = ManagedRuntime.make(Layer.empty)
  const plain = (
    key: string,
    label: string,
    middleware: ReadonlyArray<Middleware.Middleware> | undefined,
    handler: typeof handle = handle
  ) => ({
    key,
    label,
    runtime: ManagedRuntime.make(busLayer(middleware, handler))
  })
  const buses = [
    plain("default", "`CommandBus.dispatch`, default middleware", undefined),
    plain("none", "`CommandBus.dispatch`, no middleware", []),
    plain("default-async", "`CommandBus.dispatch`, default middleware", undefined, handleAsync),
    plain("none-async", "`CommandBus.dispatch`, no middleware", [], handleAsync),
    ...singles.map(([name, m]) => plain(`only-${name}`, `\`CommandBus.dispatch\`, only ${name}`, [m])),
    ...diagnostics.map(([key, label, m, around]) => ({
      key,
      label,
      runtime: ManagedRuntime.make(
        around === undefined ? busLayer([m]) : busLayer([m]).pipe(Layer.provideMerge(around))
      )
    }))
  ]

  // Build every runtime before timing anything, and check each bus answers.
  await direct.runPromise(handle({}))
  for (const b of buses) await b.runtime.runPromise(CommandBus.dispatch(Ping, {}))

  const variants: ReadonlyArray<Variant> = [
    {
      key: "direct",
      label: "direct call of the handler effect",
      batch: (n) => direct.runPromise(loop(n, () => handle({})))
    },
    {
      key: "direct-async",
      label: "direct call of the handler effect",
      batch: (n) => direct.runPromise(loop(n, () => handleAsync({})))
    },
    ...floors.map(
      ([key, label, step]): Variant => ({ key, label, batch: (n) => direct.runPromise(loop(n, step)) })
    ),
    ...buses.map(
      (b): Variant => ({
        key: b.key,
        label: b.label,
        batch: (n) => b.runtime.runPromise(loop(n, () => CommandBus.dispatch(Ping, {})))
      })
    )
  ]
  return {
    variants,
    dispose: async () => {
      await direct.dispose()
      for (const b of buses) await b.runtime.dispose()
    }
  }
}
