/**
 * The Effect side: a no-op `Ping` handler called directly, and the same handler dispatched through
 * `CommandBus` with the default middleware, none, or one default middleware at a time.
 *
 * Every variant runs the same way: one `runtime.runPromise` per batch, the batch an `Effect.gen` loop
 * of `n` steps, so the direct call pays exactly the Effect-run overhead the bus does and the
 * difference is the bus's own.
 */
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { Command, CommandBus, type Message, Middleware } from "../src/index.js"
import type { Variant } from "./harness.js"

export const Ping = Command.make("Ping", { payload: {}, success: Schema.Void })

/** The handler, registered on the bus and called directly. */
const handle = (_payload: Message.Payload<typeof Ping>): Effect.Effect<void> => Effect.void

const loop = <E, R>(n: number, step: () => Effect.Effect<unknown, E, R>): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    for (let i = 0; i < n; i++) yield* step()
  })

const busLayer = (middleware: ReadonlyArray<Middleware.Middleware> | undefined) =>
  CommandBus.handler(Ping, handle).pipe(
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

/**
 * Diagnostics, not in `src`: a middleware that does nothing (what the bus itself spends per
 * middleware), and `tracing` without the call-site stack trace `Effect.withSpan` captures by default.
 */
export const diagnostics: ReadonlyArray<readonly [string, string, Middleware.Middleware]> = [
  [
    "identity",
    "identity `(context, next) => next`: the bus's own cost per middleware",
    (_context, next) => next
  ],
  [
    "tracing-no-stack",
    "tracing with `captureStackTrace: false` (bench-only copy)",
    (context, next) =>
      Effect.withSpan(next, `CommandBus.dispatch ${context.definition.name}`, {
        attributes: { "cello.kind": context.kind, "cello.name": context.definition.name },
        captureStackTrace: false
      })
  ]
]

export interface Side {
  readonly variants: ReadonlyArray<Variant>
  readonly dispose: () => Promise<void>
}

export const make = async (): Promise<Side> => {
  const direct = ManagedRuntime.make(Layer.empty)
  const buses = [
    { key: "default", label: "`CommandBus.dispatch`, default middleware", middleware: undefined },
    { key: "none", label: "`CommandBus.dispatch`, no middleware", middleware: [] },
    ...singles.map(([name, m]) => ({
      key: `only-${name}`,
      label: `\`CommandBus.dispatch\`, only ${name}`,
      middleware: [m]
    })),
    ...diagnostics.map(([key, label, m]) => ({ key, label, middleware: [m] }))
  ].map((b) => ({ ...b, runtime: ManagedRuntime.make(busLayer(b.middleware)) }))

  // Build every runtime before timing anything, and check each bus answers.
  await direct.runPromise(handle({}))
  for (const b of buses) await b.runtime.runPromise(CommandBus.dispatch(Ping, {}))

  const variants: ReadonlyArray<Variant> = [
    {
      key: "direct",
      label: "direct call of the handler effect",
      batch: (n) => direct.runPromise(loop(n, () => handle({})))
    },
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
