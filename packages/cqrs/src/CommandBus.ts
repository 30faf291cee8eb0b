/**
 * The command bus: `CommandBus.dispatch(Definition, payload)` runs the one handler registered for it
 * through the bus's middleware, typed by the definition. Handlers are Layers
 * (`CommandBus.handler(Definition, (payload) => effect)`); a second handler for the same command fails
 * the app at start-up with `DuplicateHandler`.
 */
import { Context } from "effect"
import * as Bus from "./internal/bus.js"

export type { DispatchError, DispatchOptions } from "./internal/bus.js"

/** Where command handler layers register; provided by `layer`. */
export class CommandHandlers extends Context.Service<CommandHandlers, Bus.Registry>()(
  "@cello/cqrs/CommandHandlers"
) {}

export class CommandBus extends Context.Service<CommandBus, Bus.BusShape>()("@cello/cqrs/CommandBus") {}

export type Options<R> = Bus.Options<R>

const bus = Bus.busModule(CommandBus, CommandHandlers, "command")

/** The bus and its handler registry: `handlers.pipe(Layer.provideMerge(CommandBus.layer()))`. */
export const layer = bus.layer
/** Registers the handler of a command. */
export const handler = bus.handler
/** Registers a handler that streams progress items (typed by the success schema). */
export const streamHandler = bus.streamHandler
/** Registers an ordered chain of handlers; the first to answer `Option.some` handles the command. */
export const chain = bus.chain
export const dispatch = bus.dispatch
export const dispatchStream = bus.dispatchStream
