/**
 * The command bus: `CommandBus.dispatch(Definition, payload)` runs the one handler registered for it
 * through the bus's middleware, typed by the definition. Handlers are Layers
 * (`CommandBus.handler(Definition, (payload) => effect)`); a second handler for the same command fails
 * the app at start-up with `DuplicateHandler`.
 */
import { Context, Effect, Layer, Stream } from "effect"
import * as Bus from "./internal/bus.js"
import type { Definition, Failure, Payload, Success } from "./Message.js"
import * as Middleware from "./Middleware.js"

export type { DispatchError, DispatchOptions } from "./internal/bus.js"

/** Where command handler layers register; provided by `layer`. */
export class CommandHandlers extends Context.Service<CommandHandlers, Bus.Registry>()(
  "@cello/cqrs/CommandHandlers"
) {}

export class CommandBus extends Context.Service<CommandBus, Bus.BusShape>()("@cello/cqrs/CommandBus") {}

export interface Options<R> {
  /** Outermost first; default `Middleware.defaults`. */
  readonly middleware?: ReadonlyArray<Middleware.Middleware<R>>
}

/** The bus and its handler registry. Provide handler layers with it: `handlers.pipe(Layer.provideMerge(CommandBus.layer()))`. */
export const layer = <R = never>(
  options: Options<R> = {}
): Layer.Layer<CommandBus | CommandHandlers, never, R> =>
  Layer.effect(
    CommandBus,
    Effect.flatMap(CommandHandlers, (registry) =>
      Bus.makeBus(registry, options.middleware ?? Middleware.defaults)
    )
  ).pipe(Layer.provideMerge(Layer.sync(CommandHandlers, () => Bus.makeRegistry("command"))))

const registrations = Bus.registrations(CommandHandlers)

/** Registers the handler of a command. */
export const handler = registrations.handler
/** Registers a handler that streams progress items (typed by the success schema). */
export const streamHandler = registrations.streamHandler
/** Registers an ordered chain of handlers; the first to answer `Option.some` handles the command. */
export const chain = registrations.chain

export const dispatch = <D extends Definition>(
  definition: D,
  payload: Payload<D>,
  options?: Bus.DispatchOptions
): Effect.Effect<Success<D>, Failure<D> | Bus.DispatchError, CommandBus> =>
  CommandBus.use((bus) => bus.dispatch(definition, payload, options))

export const dispatchStream = <D extends Definition>(
  definition: D,
  payload: Payload<D>
): Stream.Stream<Success<D>, Failure<D> | Bus.DispatchError, CommandBus> =>
  Stream.unwrap(CommandBus.useSync((bus) => bus.dispatchStream(definition, payload)))
