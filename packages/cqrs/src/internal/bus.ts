/**
 * What the command and query buses share: a registry filled by handler layers, and a dispatch that
 * runs the middleware chain around the handler, then checks the outcome against the definition's
 * schemas — which is what makes `dispatch` typed by the definition alone.
 */
import { type Context, Effect, Layer, Option, Schema, Stream } from "effect"
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

interface Entry {
  readonly definition: Definition
  readonly run?: (payload: unknown) => Effect.Effect<unknown, unknown>
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
    isSuccess(definition, value)
      ? Effect.succeed(value)
      : Effect.die(new Error(`the handler of ${definition.name} returned a value its success schema refuses`))

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

    return {
      dispatch: <D extends Definition>(definition: D, payload: Payload<D>, options: DispatchOptions = {}) => {
        const handled = Effect.flatMap(entryFor(definition), (entry) =>
          entry.run === undefined
            ? Effect.fail(new HandlerNotFound({ kind: registry.kind, name: definition.name }))
            : Effect.andThen(checkPayload(definition, payload), entry.run(payload))
        )
        const chainWith = (message: MessageContext.MessageContext) => {
          const dispatchContext: DispatchContext = {
            kind: registry.kind,
            definition,
            payload,
            idempotencyKey: options.idempotencyKey,
            settings,
            commandId: message.commandId,
            correlationId: message.correlationId
          }
          let chain: Effect.Effect<unknown, unknown> = handled
          for (let i = chainOf.length - 1; i >= 0; i--) {
            const m = chainOf[i]
            if (m !== undefined) chain = m(dispatchContext, chain)
          }
          return chain
        }
        // A command gets its own id and runs under it: the events its handler appends name it as
        // their cause (or the saga step, event or command that dispatched it, when there is one),
        // and share the request's correlation id (or start one of their own).
        const run =
          registry.kind === "command"
            ? Effect.flatMap(MessageContext.current, (outer) => {
                const commandId = uuidv7()
                const message: MessageContext.MessageContext = {
                  correlationId: outer.correlationId ?? commandId,
                  causationId: outer.causationId ?? commandId,
                  commandId
                }
                return MessageContext.provide(chainWith(message), message)
              })
            : chainWith({})
        return run.pipe(Effect.mapError(narrowFailure(definition)), Effect.flatMap(checkSuccess(definition)))
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
        yield* register(registry, {
          definition,
          run: (payload) =>
            isPayload(payload)
              ? Effect.provideContext(handle(payload), context)
              : Effect.asVoid(decode(definition)(payload))
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
    Effect.flatMap(bus, (b) => b.dispatch(definition, payload, options)),
  dispatchStream: <D extends Definition>(
    definition: D,
    payload: Payload<D>
  ): Stream.Stream<Success<D>, Failure<D> | DispatchError, BusId> =>
    Stream.unwrap(Effect.map(bus, (b) => b.dispatchStream(definition, payload))),
  ...registrations(registry)
})
