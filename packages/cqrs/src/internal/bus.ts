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
 * Starts the handler of a payload in a fiber of its own (at once: one that needs no I/O is done
 * when this returns), in the handler layer's context over `base` (merged once per base context),
 * plus `message` when given. A payload that breaks its schema starts its `ValidationError` instead.
 */
type Start = (
  payload: unknown,
  base: Context.Context<never>,
  message: MessageContext.MessageContext | undefined
) => Fiber.Fiber<unknown, unknown>

interface Entry {
  readonly definition: Definition
  readonly start?: Start
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
  options: DispatchOptions,
  pending: Pending
) => Effect.Effect<unknown, unknown>

/** `dispatch` in the fiber that runs it, for `CommandBus.dispatch` (already in that fiber). */
type InFiber = (
  fiber: Fiber.Fiber<unknown, unknown>,
  definition: Definition,
  payload: unknown,
  options: DispatchOptions,
  pending: Pending
) => Effect.Effect<unknown, unknown>

/** `step` in the dispatching fiber; the fiber it left running interrupted when the dispatch fails. */
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
      const { start } = entry
      if (start === undefined)
        return () => Effect.fail(new HandlerNotFound({ kind: registry.kind, name: definition.name }))
      const conclude = concluder(definition)
      const concluded = (effect: Effect.Effect<unknown, unknown>) =>
        Effect.matchCauseEffect(effect, {
          onSuccess: (value) => conclude(Exit.succeed(value)),
          onFailure: (cause) => conclude(Exit.failCause(cause))
        })
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
      if (chainOf.length === 0)
        return (fiber, payload, _options, pending) => {
          const caller = fiber.context
          return finish(pending, start(payload, caller, messageOf(caller)))
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
      // in its layer's context over the caller's (merged once per caller) when the chain reaches it
      // in that same context, else over whatever context the chain set.
      const chained: Compiled = (fiber, payload, options, pending) => {
        const caller = fiber.context
        const message = messageOf(caller)
        const around = message === undefined ? caller : Context.add(caller, MessageContext.Current, message)
        const next = Effect.withFiber((inner) => {
          const running =
            inner.context === around
              ? start(payload, caller, message)
              : start(payload, inner.context, undefined)
          return running.pollUnsafe() ?? awaitFiber(running)
        })
        let chain: Effect.Effect<unknown, unknown> = next
        const context = dispatchContextOf(payload, options, message)
        for (let i = chainOf.length - 1; i >= 0; i--) {
          const m = chainOf[i]
          if (m !== undefined) chain = m(context, chain)
        }
        return finish(pending, Effect.runForkWith(around)(chain))
      }
      if (!fused) return chained

      // The defaults as one step: the handler's fiber is the timeout's; metrics, logging and the
      // outcome are worked out from its exit when it is done at once, with no frame or fiber of their
      // own. A tracer installed, a handler still running (I/O) or a conflict to retry go the way of
      // the chain from there on.
      const retries = kind === "command" && settings.maxRetries > 0
      return (fiber, payload, options, pending) => {
        if (fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer)
          return chained(fiber, payload, options, pending)
        const caller = fiber.context
        const message = messageOf(caller)
        const clock = fiber.getRef(Clock.Clock)
        const startNanos = clock.monotonicTimeNanosUnsafe()
        const running = start(payload, caller, message)
        const exit = running.pollUnsafe()
        if (exit !== undefined && !(retries && isConflict(exit))) {
          record(definition, caller, clock, startNanos, exit)
          if (exit._tag === "Success") return conclude(exit)
          const logged = logFailure(definition, exit.cause)
          return Effect.flatMap(
            message === undefined ? logged : Effect.provideService(logged, MessageContext.Current, message),
            () => conclude(exit)
          )
        }
        // The rest as the chain runs it, from the handler's first run (`running`): retries of a
        // conflict, under the timeout, logged, measured, concluded.
        const again = Effect.suspend(() => {
          const rerun = start(payload, caller, message)
          return rerun.pollUnsafe() ?? awaitFiber(rerun)
        })
        if (exit === undefined) pending.fiber = running
        // The first run under the timeout (a sleeping fiber beside it), the retries under what is
        // left of it.
        const first = exit ?? timeoutFiber(definition, settings, running)
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
      }
    }
    const compiled = new WeakMap<Definition, Compiled>()
    // The last message dispatched, kept beside the map: a loop of one message skips the look-up.
    let lastDefinition: Definition | undefined
    let lastRun: Compiled | undefined
    const inFiber: InFiber = (fiber, definition, payload, options, pending) => {
      if (definition === lastDefinition && lastRun !== undefined)
        return lastRun(fiber, payload, options, pending)
      let run = compiled.get(definition)
      if (run === undefined) {
        run = compile(definition)
        if (run === undefined)
          return Effect.fail(new HandlerNotFound({ kind: registry.kind, name: definition.name }))
        compiled.set(definition, run)
      }
      lastDefinition = definition
      lastRun = run
      return run(fiber, payload, options, pending)
    }

    const shape: BusShape = {
      dispatch: <D extends Definition>(definition: D, payload: Payload<D>, options: DispatchOptions = {}) =>
        guarded((fiber, pending) => inFiber(fiber, definition, payload, options, pending)),
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
        // The handler's context over the caller's, kept for the last caller context seen: a fiber
        // that dispatches in a loop merges once.
        let lastCaller: Context.Context<never> | undefined
        let lastMerged: Context.Context<R> = context
        const over = (caller: Context.Context<never>): Context.Context<R> => {
          if (caller !== lastCaller) {
            lastMerged = Context.merge(caller, context)
            lastCaller = caller
          }
          return lastMerged
        }
        const validation = (payload: unknown) => Effect.asVoid(decode(definition)(payload))
        yield* register(registry, {
          definition,
          start: (payload, base, message) => {
            const effect: Effect.Effect<unknown, unknown, R> = isPayload(payload)
              ? handle(payload)
              : validation(payload)
            return Effect.runForkWith(
              message === undefined ? over(base) : Context.add(over(base), MessageContext.Current, message)
            )(effect)
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
    guarded((fiber, pending) => {
      const shape = Context.getUnsafe(fiber.context, bus)
      const inFiber = inFiberOf.get(shape)
      return inFiber === undefined
        ? shape.dispatch(definition, payload, options)
        : inFiber(fiber, definition, payload, options ?? noOptions, pending)
    }),
  dispatchStream: <D extends Definition>(
    definition: D,
    payload: Payload<D>
  ): Stream.Stream<Success<D>, Failure<D> | DispatchError, BusId> =>
    Stream.unwrap(Effect.map(bus, (b) => b.dispatchStream(definition, payload))),
  ...registrations(registry)
})
