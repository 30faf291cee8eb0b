/**
 * What the command and query buses share: a registry filled by handler layers, and a dispatch that
 * runs the middleware chain around the handler, then checks the outcome against the definition's
 * schemas — which is what makes `dispatch` typed by the definition alone.
 */
import { Cause, Context, Effect, Layer, Option, Result, Schema, Stream } from "effect"
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
import { uuidv7 } from "./uuid.js"

export type Kind = "command" | "query"

/**
 * Where a handler runs, from the context it is called in: `over(caller)` is the handler layer's
 * context over the caller's (merged once per caller context), to which the bus adds the command's
 * message context.
 */
type Place = <R>(
  caller: Context.Context<never>,
  over: (caller: Context.Context<never>) => Context.Context<R>
) => Context.Context<R>

const same = (caller: Context.Context<never>) => caller

/** What becomes of a handler's outcome. */
interface Then {
  readonly onFailure: (cause: Cause.Cause<unknown>) => Effect.Effect<unknown, unknown>
  readonly onSuccess: (value: unknown) => Effect.Effect<unknown, unknown>
}

/** Runs `effect` in the context `place` gives (the caller's back after it), its outcome to `then`. */
const placed = <R>(
  effect: Effect.Effect<unknown, unknown, R>,
  place: Place,
  over: (caller: Context.Context<never>) => Context.Context<R>,
  then: Then | undefined
): Effect.Effect<unknown, unknown> => {
  const inContext = Effect.updateContext(effect, (caller: Context.Context<never>) => place(caller, over))
  return then === undefined ? inContext : Effect.matchCauseEffect(inContext, then)
}

interface Entry {
  readonly definition: Definition
  /**
   * Checks the payload and runs the handler in the context `place` gives (one context change), its
   * outcome to `then`.
   */
  readonly run?: (payload: unknown, place: Place, then: Then | undefined) => Effect.Effect<unknown, unknown>
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

const tagOf = (e: unknown): string =>
  typeof e === "object" && e !== null && "_tag" in e && typeof e._tag === "string" ? e._tag : "unknown"

const storeOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "store" in e && typeof e.store === "string" ? e.store : undefined

const describe = (e: unknown): string =>
  typeof e === "object" && e !== null && "message" in e && typeof e.message === "string"
    ? e.message
    : String(e)

// `Schema.is(schema)` compiles its guard on first use: made once per schema, not once per dispatch.
const guards = new WeakMap<Schema.Top, (u: unknown) => boolean>()
const guardOf = (schema: Schema.Top): ((u: unknown) => boolean) => {
  let guard = guards.get(schema)
  if (guard === undefined) {
    const is = Schema.is(schema)
    guard = (u) => is(u)
    guards.set(schema, guard)
  }
  return guard
}
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

/** What a dispatch of one definition needs, worked out on its first dispatch. */
type Compiled = (payload: unknown, options: DispatchOptions) => Effect.Effect<unknown, unknown>

export const makeBus = <R>(
  registry: Registry,
  middleware: ReadonlyArray<Middleware<R>>
): Effect.Effect<BusShape, never, R> =>
  Effect.gen(function* () {
    const settings = yield* CqrsConfig.CqrsConfig
    // Middleware that needs services gets them now, once; a dispatch only runs plain functions.
    const chainOf: Array<Handler> = []
    for (const m of middleware) chainOf.push(Effect.isEffect(m) ? yield* m : m)
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
      const { run } = entry
      if (run === undefined)
        return () => Effect.fail(new HandlerNotFound({ kind: registry.kind, name: definition.name }))
      const isValue = guardOf(definition.success)
      const narrow = narrowFailure(definition)
      // Declared failures and the bus's errors kept, others `HandlerFailed`; defects and
      // interruptions passed on; a success checked against the success schema.
      const outcome: Then = {
        onFailure: (cause) => {
          if (Cause.hasDies(cause)) return Effect.failCause(cause)
          const error = Cause.findError(cause)
          return Result.isFailure(error) ? Effect.failCause(cause) : Effect.fail(narrow(error.success))
        },
        onSuccess: (value) => (isValue(value) ? Effect.succeed(value) : Effect.die(refused(definition)))
      }
      const kind = registry.kind
      // A command runs under its own id: the events its handler appends name it as their cause (or
      // the saga step, event or command that dispatched it, when there is one), and share the
      // request's correlation id (or start one of their own).
      if (chainOf.length === 0) {
        const place: Place =
          kind === "command"
            ? (caller, over) =>
                Context.add(
                  over(caller),
                  MessageContext.Current,
                  commandContext(Context.get(caller, MessageContext.Current))
                )
            : (caller, over) => over(caller)
        return (payload) => run(payload, place, outcome)
      }
      const chainWith = (
        payload: unknown,
        options: DispatchOptions,
        message: MessageContext.MessageContext | undefined,
        place: Place
      ) => {
        const dispatchContext: DispatchContext = {
          kind,
          definition,
          payload,
          idempotencyKey: options.idempotencyKey,
          settings,
          commandId: message?.commandId,
          correlationId: message?.correlationId
        }
        let chain: Effect.Effect<unknown, unknown> = run(payload, place, undefined)
        for (let i = chainOf.length - 1; i >= 0; i--) {
          const m = chainOf[i]
          if (m !== undefined) chain = m(dispatchContext, chain)
        }
        return chain
      }
      const overCaller: Place = (caller, over) => over(caller)
      if (kind === "query")
        return (payload, options) =>
          Effect.matchCauseEffect(chainWith(payload, options, undefined, overCaller), outcome)
      return (payload, options) => {
        // The middleware runs under the command's message context. When the handler is reached in
        // that very context (no middleware changed it), its own is the caller's merge (kept across
        // dispatches) plus the message, not a merge made afresh per dispatch.
        let caller: Context.Context<never> = Context.empty()
        let message: MessageContext.MessageContext = {}
        let withMessage: Context.Context<never> = caller
        const outer: Place = (reached, over) => {
          caller = reached
          message = commandContext(Context.get(reached, MessageContext.Current))
          const added = Context.add(over(reached), MessageContext.Current, message)
          withMessage = added
          return added
        }
        const inner: Place = (reached, over) =>
          reached === withMessage ? Context.add(over(caller), MessageContext.Current, message) : over(reached)
        return placed(
          Effect.suspend(() => chainWith(payload, options, message, inner)),
          outer,
          same,
          outcome
        )
      }
    }
    const compiled = new WeakMap<Definition, Compiled>()

    return {
      dispatch: <D extends Definition>(definition: D, payload: Payload<D>, options: DispatchOptions = {}) => {
        let run = compiled.get(definition)
        if (run === undefined) {
          run = compile(definition)
          if (run === undefined)
            return Effect.fail(new HandlerNotFound({ kind: registry.kind, name: definition.name }))
          compiled.set(definition, run)
        }
        return run(payload, options)
      },
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
        yield* register(registry, {
          definition,
          run: (payload, place, then) =>
            isPayload(payload)
              ? placed(handle(payload), place, over, then)
              : placed(Effect.asVoid(decode(definition)(payload)), (caller, over) => over(caller), same, then)
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
    // The bus read straight from the fiber's context: a `flatMap` over the service tag cost a frame.
    Effect.withFiber((fiber) => Context.getUnsafe(fiber.context, bus).dispatch(definition, payload, options)),
  dispatchStream: <D extends Definition>(
    definition: D,
    payload: Payload<D>
  ): Stream.Stream<Success<D>, Failure<D> | DispatchError, BusId> =>
    Stream.unwrap(Effect.map(bus, (b) => b.dispatchStream(definition, payload))),
  ...registrations(registry)
})
