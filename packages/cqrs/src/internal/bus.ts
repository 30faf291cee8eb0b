/**
 * What the command and query buses share: a registry filled by handler layers, and a dispatch that
 * runs the middleware chain around the handler, then checks the outcome against the definition's
 * schemas — which is what makes `dispatch` typed by the definition alone.
 */
import {
  Cause,
  Clock,
  Context,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Result,
  Schema,
  Stream,
  Tracer
} from "effect"
import * as CqrsConfig from "../CqrsConfig.js"
import {
  type CommandTimeout,
  DuplicateHandler,
  HandlerFailed,
  HandlerNotFound,
  NoHandlerAccepted,
  type QueryTimeout,
  type ValidationError
} from "../Errors.js"
import { type Definition, decode, type Failure, type Payload, type Success } from "../Message.js"
import * as MessageContext from "../MessageContext.js"
import { type DispatchContext, defaults, type Handler, type Middleware } from "../Middleware.js"
import { lastContextOver } from "./contextOver.js"
import {
  awaitFiber,
  expiry,
  isConflict,
  logFailure,
  record,
  retryConflicts,
  tagOf,
  timeoutFiber
} from "./defaults.js"
import { guardOf } from "./guard.js"
import { uuidv7 } from "./uuid.js"

export type Kind = "command" | "query"

/**
 * A handler's work for one payload, made (`handle(payload)`) but not run yet: `fork` starts it at
 * once in a fiber of its own (one that needs no I/O is done when this returns), in the handler
 * layer's context over `base` (merged once per base context), plus `message` when given.
 */
interface Work {
  readonly _tag: "Work"
  readonly fork: (
    base: Context.Context<never>,
    message: MessageContext.MessageContext | undefined
  ) => Fiber.Fiber<unknown, unknown>
}

/**
 * The handler's work for a payload, or its `ValidationError` when the payload breaks its schema.
 * An `Exit` when the handler's effect already is one (`Effect.void`, `Effect.succeed(x)`,
 * `Effect.fail(e)`): done as it was made, so no context and no fiber would change it.
 */
type Prepare = (payload: unknown) => Exit.Exit<unknown, unknown> | Work

interface Entry {
  readonly definition: Definition
  readonly prepare?: Prepare
  readonly stream?: (payload: unknown) => Stream.Stream<unknown, unknown>
}

export interface Registry {
  readonly kind: Kind
  readonly entries: Map<string, Entry>
}

/** What a dispatch can fail with besides the definition's own failure. */
export type DispatchError =
  | HandlerNotFound
  | ValidationError
  | HandlerFailed
  | CommandTimeout
  | QueryTimeout
  | NoHandlerAccepted

export interface DispatchOptions {
  /** Commands: with the idempotency middleware, a repeated key returns the first outcome. */
  readonly idempotencyKey?: string
}

export interface BusShape {
  readonly dispatch: <D extends Definition>(
    definition: D,
    payload: Payload<D>,
    options?: DispatchOptions
  ) => Effect.Effect<Success<D>, Failure<D> | DispatchError>
  /** For handlers registered with `streamHandler`: their items, each checked against the success schema. */
  readonly dispatchStream: <D extends Definition>(
    definition: D,
    payload: Payload<D>
  ) => Stream.Stream<Success<D>, Failure<D> | DispatchError>
}

/** True for the errors the bus itself raises (as opposed to a message's declared failure). */
export const isDispatchError = (e: unknown): e is DispatchError =>
  typeof e === "object" &&
  e !== null &&
  "_tag" in e &&
  (e._tag === "HandlerNotFound" ||
    e._tag === "ValidationError" ||
    e._tag === "HandlerFailed" ||
    e._tag === "CommandTimeout" ||
    e._tag === "QueryTimeout" ||
    e._tag === "NoHandlerAccepted")

const storeOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "store" in e && typeof e.store === "string" ? e.store : undefined

const describe = (e: unknown): string =>
  typeof e === "object" && e !== null && "message" in e && typeof e.message === "string"
    ? e.message
    : String(e)

const isFailure = <D extends Definition>(definition: D, u: unknown): u is Failure<D> =>
  guardOf(definition.failure)(u)
const isSuccess = <D extends Definition>(definition: D, u: unknown): u is Success<D> =>
  guardOf(definition.success)(u)

/** Keeps declared failures and the bus's own errors; anything else becomes `HandlerFailed`. */
const narrowFailure =
  <D extends Definition>(definition: D) =>
  (error: unknown): Failure<D> | DispatchError => {
    if (isFailure(definition, error) || isDispatchError(error)) return error
    const tag = tagOf(error)
    const store = tag === "StoreUnavailable" ? storeOf(error) : undefined
    return new HandlerFailed({
      name: definition.name,
      errorTag: tag,
      detail: describe(error),
      ...(store === undefined ? {} : { store })
    })
  }

const checkSuccess =
  <D extends Definition>(definition: D) =>
  (value: unknown): Effect.Effect<Success<D>> =>
    isSuccess(definition, value) ? Effect.succeed(value) : Effect.die(refused(definition))

const refused = (definition: Definition) =>
  new Error(`the handler of ${definition.name} returned a value its success schema refuses`)

/** A command's message context: its own id, as the cause unless something else caused it. */
const commandContext = (outer: MessageContext.MessageContext): MessageContext.MessageContext => {
  const commandId = uuidv7()
  return {
    correlationId: outer.correlationId ?? commandId,
    causationId: outer.causationId ?? commandId,
    commandId
  }
}

/**
 * The outcome of a dispatch, from its handler's (or chain's) exit: declared failures and the bus's
 * errors kept, other errors `HandlerFailed`; defects and interruptions passed on; a success checked
 * against the success schema.
 */
const concluder = (definition: Definition) => {
  const isValue = guardOf(definition.success)
  const narrow = narrowFailure(definition)
  return (exit: Exit.Exit<unknown, unknown>): Exit.Exit<unknown, unknown> => {
    if (exit._tag === "Success") return isValue(exit.value) ? exit : Exit.die(refused(definition))
    if (Cause.hasDies(exit.cause)) return exit
    const error = Cause.findError(exit.cause)
    if (Result.isFailure(error)) return exit
    const narrowed = narrow(error.success)
    return narrowed === error.success ? exit : Exit.fail(narrowed)
  }
}

/**
 * The fiber a dispatch started and did not wait for in its first step (it needs I/O), until the
 * dispatch is over. An interruption that reaches the dispatching fiber during that step (the
 * handler's first, synchronous part resumed a fiber that interrupted the caller) takes effect before
 * the step's effect begins, so before anything that would wait for that fiber or interrupt it:
 * the frame `guarded` puts under the step interrupts it then, and waits for it.
 */
interface Pending {
  fiber: Fiber.Fiber<unknown, unknown> | undefined
}

/** What a dispatch of one definition does in the dispatching fiber, worked out on its first dispatch. */
type Compiled = (
  fiber: Fiber.Fiber<unknown, unknown>,
  payload: unknown,
  options: DispatchOptions
) => Effect.Effect<unknown, unknown>

/** `dispatch` in the fiber that runs it, for `CommandBus.dispatch` (already in that fiber). */
type InFiber = (
  fiber: Fiber.Fiber<unknown, unknown>,
  definition: Definition,
  payload: unknown,
  options: DispatchOptions
) => Effect.Effect<unknown, unknown>

/**
 * `step` in the dispatching fiber, for a dispatch that starts a fiber (the handler's, or the
 * chain's): that fiber interrupted when the dispatch fails.
 */
const guarded = (
  step: (fiber: Fiber.Fiber<unknown, unknown>, pending: Pending) => Effect.Effect<unknown, unknown>
): Effect.Effect<unknown, unknown> => {
  const pending: Pending = { fiber: undefined }
  // A finalizer, not a failure handler: an interruption skips those.
  return Effect.onExitPrimitive(
    Effect.withFiber((fiber) => step(fiber, pending)),
    (exit) => {
      const running = pending.fiber
      return exit._tag === "Failure" && running !== undefined && running.pollUnsafe() === undefined
        ? Fiber.interrupt(running)
        : undefined
    }
  )
}

const inFiberOf = new WeakMap<BusShape, InFiber>()
// The bus dispatched through last, kept beside the map: an app has one of each kind.
let lastShape: BusShape | undefined
let lastInFiber: InFiber | undefined
const noOptions: DispatchOptions = {}

/** True when `chain` is `Middleware.defaults`, which the bus runs as one step. */
const isDefaults = (chain: ReadonlyArray<Handler>): boolean =>
  chain.length === defaults.length && chain.every((m, i) => m === defaults[i])

export const makeBus = <R>(
  registry: Registry,
  middleware: ReadonlyArray<Middleware<R>>
): Effect.Effect<BusShape, never, R> =>
  Effect.gen(function* () {
    const settings = yield* CqrsConfig.CqrsConfig
    // Middleware that needs services gets them now, once; a dispatch only runs plain functions.
    const chainOf: Array<Handler> = []
    for (const m of middleware) chainOf.push(Effect.isEffect(m) ? yield* m : m)
    const fused = isDefaults(chainOf)
    const kind = registry.kind
    const entryFor = (definition: Definition) => {
      const entry = registry.entries.get(definition.name)
      return entry === undefined
        ? Effect.fail(new HandlerNotFound({ kind: registry.kind, name: definition.name }))
        : Effect.succeed(entry)
    }
    const checkPayload = (definition: Definition, payload: unknown) =>
      guardOf(definition.payload)(payload) ? Effect.void : Effect.asVoid(decode(definition)(payload))

    const compile = (definition: Definition): Compiled | undefined => {
      const entry = registry.entries.get(definition.name)
      // Not kept: a handler may still be registered (a bus is built before its handler layers).
      if (entry === undefined) return undefined
      const { prepare } = entry
      if (prepare === undefined)
        return () => Effect.fail(new HandlerNotFound({ kind: registry.kind, name: definition.name }))
      const conclude = concluder(definition)
      const concluding = {
        onSuccess: (value: unknown) => conclude(Exit.succeed(value)),
        onFailure: (cause: Cause.Cause<unknown>) => conclude(Exit.failCause(cause))
      }
      const concluded = (effect: Effect.Effect<unknown, unknown>) =>
        Effect.matchCauseEffect(effect, concluding)
      // The handler started: done as it was made, or in a fiber of its own.
      const start = (
        payload: unknown,
        base: Context.Context<never>,
        message: MessageContext.MessageContext | undefined
      ): Exit.Exit<unknown, unknown> | Fiber.Fiber<unknown, unknown> => {
        const work = prepare(payload)
        return work._tag === "Work" ? work.fork(base, message) : work
      }
      // A fiber done at once (no I/O) gives its outcome with no further step; one still running is
      // waited for, and interrupted by `guarded` if the dispatch is.
      const finish = (pending: Pending, fiber: Fiber.Fiber<unknown, unknown>) => {
        const exit = fiber.pollUnsafe()
        if (exit !== undefined) return conclude(exit)
        pending.fiber = fiber
        return concluded(Fiber.join(fiber))
      }
      // A command runs under its own id: the events its handler appends name it as their cause (or
      // the saga step, event or command that dispatched it, when there is one), and share the
      // request's correlation id (or start one of their own).
      const messageOf =
        kind === "command"
          ? (caller: Context.Context<never>) => commandContext(Context.get(caller, MessageContext.Current))
          : () => undefined
      // No middleware: the handler's fiber started under the guard (see `Pending`), its outcome
      // checked in the guard's step when it is done at once. (Run in the dispatching fiber instead,
      // switching the caller's context to the handler's and back, it cost more: see the bench's
      // floors.) A handler whose effect is done as made (an `Exit`) is only checked, with no guard,
      // no fiber and no command id anyone could read.
      if (chainOf.length === 0)
        return (fiber, payload) => {
          const work = prepare(payload)
          if (work._tag !== "Work") return conclude(work)
          return guarded((_, pending) => {
            const caller = fiber.context
            return finish(pending, work.fork(caller, messageOf(caller)))
          })
        }

      const dispatchContextOf = (
        payload: unknown,
        options: DispatchOptions,
        message: MessageContext.MessageContext | undefined
      ): DispatchContext => ({
        kind,
        definition,
        payload,
        idempotencyKey: options.idempotencyKey,
        settings,
        commandId: message?.commandId,
        correlationId: message?.correlationId
      })
      // The middleware runs under the command's message context, in a fiber of its own; the handler
      // in another, in its layer's context over the caller's (merged once per caller) when the chain
      // reaches it in that same context, else over whatever context the chain set.
      const chained: Compiled = (_fiber, payload, options) =>
        guarded((fiber, pending) => {
          const caller = fiber.context
          const message = messageOf(caller)
          const around = message === undefined ? caller : Context.add(caller, MessageContext.Current, message)
          // In a fiber of its own: measured, that costs less than switching the context there and back.
          const next = Effect.withFiber((inner) => {
            const running =
              inner.context === around
                ? start(payload, caller, message)
                : start(payload, inner.context, undefined)
            return Exit.isExit(running) ? running : (running.pollUnsafe() ?? awaitFiber(running))
          })
          let chain: Effect.Effect<unknown, unknown> = next
          const context = dispatchContextOf(payload, options, message)
          for (let i = chainOf.length - 1; i >= 0; i--) {
            const m = chainOf[i]
            if (m !== undefined) chain = m(context, chain)
          }
          return finish(pending, Effect.runForkWith(around)(chain))
        })
      if (!fused) return chained

      // The defaults as one step: the handler's fiber is the timeout's; metrics, logging and the
      // outcome are worked out from its exit when it is done at once, with no frame or fiber of their
      // own (and no fiber at all when the handler's effect is done as made). A tracer installed, a
      // handler still running (I/O) or a conflict to retry go the way of the chain from there on.
      const retries = kind === "command" && settings.maxRetries > 0
      const doneAtOnce = (
        caller: Context.Context<never>,
        clock: Clock.Clock,
        startNanos: bigint,
        exit: Exit.Exit<unknown, unknown>,
        message: MessageContext.MessageContext | undefined
      ) => {
        record(definition, caller, clock, startNanos, exit)
        if (exit._tag === "Success") return conclude(exit)
        const logged = logFailure(definition, exit.cause)
        return Effect.flatMap(
          message === undefined ? logged : Effect.provideService(logged, MessageContext.Current, message),
          () => conclude(exit)
        )
      }
      return (fiber, payload, options) => {
        if (fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer) return chained(fiber, payload, options)
        const clock = fiber.getRef(Clock.Clock)
        const startNanos = clock.monotonicTimeNanosUnsafe()
        const caller = fiber.context
        const work = prepare(payload)
        if (work._tag !== "Work" && !(retries && isConflict(work)))
          return doneAtOnce(
            caller,
            clock,
            startNanos,
            work,
            work._tag === "Success" ? undefined : messageOf(caller)
          )
        // The handler's fiber started under the guard: see `Pending`.
        return guarded((_, pending) => {
          const message = messageOf(caller)
          const running = work._tag === "Work" ? work.fork(caller, message) : work
          const exit = Exit.isExit(running) ? running : running.pollUnsafe()
          if (exit !== undefined && !(retries && isConflict(exit)))
            return doneAtOnce(caller, clock, startNanos, exit, message)
          // The rest as the chain runs it, from the handler's first run (`running`): retries of a
          // conflict, under the timeout, logged, measured, concluded.
          const again = Effect.suspend(() => {
            const rerun = start(payload, caller, message)
            return Exit.isExit(rerun) ? rerun : (rerun.pollUnsafe() ?? awaitFiber(rerun))
          })
          // The first run under the timeout (a sleeping fiber beside it), the retries under what is
          // left of it.
          let first: Effect.Effect<unknown, unknown>
          if (exit !== undefined) first = exit
          else if (Exit.isExit(running)) first = running
          else {
            pending.fiber = running
            first = timeoutFiber(definition, settings, running)
          }
          const elapsedMillis = () => Number(clock.monotonicTimeNanosUnsafe() - startNanos) / 1e6
          const attempts = retries
            ? Effect.catch(first, (error) =>
                tagOf(error) !== "ConcurrencyError"
                  ? Effect.fail(error)
                  : Effect.suspend(() =>
                      Effect.raceFirst(
                        retryConflicts(settings, again),
                        expiry(definition, settings, elapsedMillis())
                      )
                    )
              )
            : first
          const rest = Effect.onExitPrimitive(
            Effect.tapCause(attempts, (cause) => logFailure(definition, cause)),
            (end) => {
              record(definition, caller, clock, startNanos, end)
              return undefined
            }
          )
          return concluded(
            message === undefined ? rest : Effect.provideService(rest, MessageContext.Current, message)
          )
        })
      }
    }
    const compiled = new WeakMap<Definition, Compiled>()
    // The last message dispatched, kept beside the map: a loop of one message skips the look-up.
    let lastDefinition: Definition | undefined
    let lastRun: Compiled | undefined
    const inFiber: InFiber = (fiber, definition, payload, options) => {
      if (definition === lastDefinition && lastRun !== undefined) return lastRun(fiber, payload, options)
      let run = compiled.get(definition)
      if (run === undefined) {
        run = compile(definition)
        if (run === undefined)
          return Effect.fail(new HandlerNotFound({ kind: registry.kind, name: definition.name }))
        compiled.set(definition, run)
      }
      lastDefinition = definition
      lastRun = run
      return run(fiber, payload, options)
    }

    const shape: BusShape = {
      dispatch: <D extends Definition>(definition: D, payload: Payload<D>, options: DispatchOptions = {}) =>
        Effect.withFiber((fiber) => inFiber(fiber, definition, payload, options)),
      dispatchStream: <D extends Definition>(definition: D, payload: Payload<D>) =>
        Stream.unwrap(
          Effect.gen(function* () {
            const entry = yield* entryFor(definition)
            yield* checkPayload(definition, payload)
            if (entry.stream === undefined)
              return yield* new HandlerNotFound({ kind: registry.kind, name: `${definition.name} (stream)` })
            return entry.stream(payload)
          })
        ).pipe(Stream.mapError(narrowFailure(definition)), Stream.mapEffect(checkSuccess(definition)))
    }
    inFiberOf.set(shape, inFiber)
    return shape
  })

/**
 * A handler's work for one payload, with the context it needs: its layer's over the one it runs in
 * (merged once per base context), plus the message context when given.
 */
class Handling<R> implements Work {
  readonly _tag = "Work"
  readonly effect: Effect.Effect<unknown, unknown, R>
  readonly contextOf: (
    base: Context.Context<never>,
    message: MessageContext.MessageContext | undefined
  ) => Context.Context<R>
  constructor(
    effect: Effect.Effect<unknown, unknown, R>,
    contextOf: (
      base: Context.Context<never>,
      message: MessageContext.MessageContext | undefined
    ) => Context.Context<R>
  ) {
    this.effect = effect
    this.contextOf = contextOf
  }
  fork(
    base: Context.Context<never>,
    message: MessageContext.MessageContext | undefined
  ): Fiber.Fiber<unknown, unknown> {
    return Effect.runForkWith(this.contextOf(base, message))(this.effect)
  }
}

const register = (registry: Registry, entry: Entry): Effect.Effect<void, DuplicateHandler> =>
  Effect.suspend(() => {
    if (registry.entries.has(entry.definition.name))
      return Effect.fail(new DuplicateHandler({ kind: registry.kind, name: entry.definition.name }))
    registry.entries.set(entry.definition.name, entry)
    return Effect.void
  })

/** The registry service of a kind, and the layers that put handlers into it. */
export const registrations = <Id>(tag: Context.Key<Id, Registry>) => {
  const handler = <D extends Definition, E, R>(
    definition: D,
    handle: (payload: Payload<D>) => Effect.Effect<Success<D>, E, R>
  ): Layer.Layer<never, DuplicateHandler, R | Id> =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const registry = yield* tag
        const context = yield* Effect.context<R>()
        const isPayload = Schema.is(definition.payload)
        // The handler's context over the caller's.
        const over = lastContextOver(context)
        const contextOf = (
          base: Context.Context<never>,
          message: MessageContext.MessageContext | undefined
        ) => (message === undefined ? over(base) : Context.add(over(base), MessageContext.Current, message))
        const validation = (payload: unknown) => Effect.asVoid(decode(definition)(payload))
        yield* register(registry, {
          definition,
          prepare: (payload) => {
            const effect: Effect.Effect<unknown, unknown, R> = isPayload(payload)
              ? handle(payload)
              : validation(payload)
            return Exit.isExit(effect) ? effect : new Handling(effect, contextOf)
          }
        })
      })
    )

  const streamHandler = <D extends Definition, E, R>(
    definition: D,
    handle: (payload: Payload<D>) => Stream.Stream<Success<D>, E, R>
  ): Layer.Layer<never, DuplicateHandler, R | Id> =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const registry = yield* tag
        const context = yield* Effect.context<R>()
        const isPayload = Schema.is(definition.payload)
        yield* register(registry, {
          definition,
          stream: (payload) =>
            isPayload(payload)
              ? Stream.provideContext(handle(payload), context)
              : Stream.fromEffect(Effect.asVoid(decode(definition)(payload)))
        })
      })
    )

  /**
   * Chain of responsibility: handlers in order; each answers `Option.some(result)` to take the message
   * or `Option.none()` to pass it on. None taking it fails with `NoHandlerAccepted`.
   */
  const chain = <D extends Definition, E, R>(
    definition: D,
    handlers: ReadonlyArray<(payload: Payload<D>) => Effect.Effect<Option.Option<Success<D>>, E, R>>
  ): Layer.Layer<never, DuplicateHandler, R | Id> =>
    handler(definition, (payload) =>
      Effect.gen(function* () {
        for (const h of handlers) {
          const answer = yield* h(payload)
          if (Option.isSome(answer)) return answer.value
        }
        return yield* new NoHandlerAccepted({ name: definition.name, tried: handlers.length })
      })
    )

  return { handler, streamHandler, chain }
}

/** A fresh registry of one kind (each bus layer owns one). */
export const makeRegistry = (kind: Kind): Registry => ({ kind, entries: new Map() })

export interface Options<R> {
  /** Outermost first; default `Middleware.defaults`. */
  readonly middleware?: ReadonlyArray<Middleware<R>>
}

/** Everything a bus module exports, for its service and registry tags. */
export const busModule = <BusId, RegistryId>(
  bus: Context.Key<BusId, BusShape>,
  registry: Context.Key<RegistryId, Registry>,
  kind: Kind
) => ({
  layer: <R = never>(options: Options<R> = {}): Layer.Layer<BusId | RegistryId, never, R> =>
    Layer.effect(
      bus,
      Effect.flatMap(registry, (r) => makeBus(r, options.middleware ?? defaults))
    ).pipe(Layer.provideMerge(Layer.sync(registry, () => makeRegistry(kind)))),
  dispatch: <D extends Definition>(
    definition: D,
    payload: Payload<D>,
    options?: DispatchOptions
  ): Effect.Effect<Success<D>, Failure<D> | DispatchError, BusId> =>
    // The bus read straight from the fiber's context (a `flatMap` over the service tag cost a frame),
    // and run in this same step.
    Effect.withFiber((fiber) => {
      const shape = Context.getUnsafe(fiber.context, bus)
      let inFiber = lastInFiber
      if (shape !== lastShape) {
        inFiber = inFiberOf.get(shape)
        lastShape = shape
        lastInFiber = inFiber
      }
      return inFiber === undefined
        ? shape.dispatch(definition, payload, options)
        : inFiber(fiber, definition, payload, options ?? noOptions)
    }),
  dispatchStream: <D extends Definition>(
    definition: D,
    payload: Payload<D>
  ): Stream.Stream<Success<D>, Failure<D> | DispatchError, BusId> =>
    Stream.unwrap(Effect.map(bus, (b) => b.dispatchStream(definition, payload))),
  ...registrations(registry)
})
