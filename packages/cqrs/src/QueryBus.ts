/**
 * The query bus: `QueryBus.dispatch(Definition, payload)` runs the one handler registered for it
 * through the bus's middleware, typed by the definition. Handlers are Layers
 * (`QueryBus.handler(Definition, (payload) => effect)`); a second handler for the same query fails
 * the app at start-up with `DuplicateHandler`.
 */
import { Context } from "effect"
import * as Bus from "./internal/bus.js"

export type { DispatchError, DispatchOptions } from "./internal/bus.js"

/** Where query handler layers register; provided by `layer`. */
export class QueryHandlers extends Context.Service<QueryHandlers, Bus.Registry>()(
  "@cello/cqrs/QueryHandlers"
) {}

export class QueryBus extends Context.Service<QueryBus, Bus.BusShape>()("@cello/cqrs/QueryBus") {}

export type Options<R> = Bus.Options<R>

const bus = Bus.busModule(QueryBus, QueryHandlers, "query")

/** The bus and its handler registry: `handlers.pipe(Layer.provideMerge(QueryBus.layer()))`. */
export const layer = bus.layer
/** Registers the handler of a query. */
export const handler = bus.handler
/** Registers a handler that streams progress items (typed by the success schema). */
export const streamHandler = bus.streamHandler
/** Registers an ordered chain of handlers; the first to answer `Option.some` handles the query. */
export const chain = bus.chain
export const dispatch = bus.dispatch
export const dispatchStream = bus.dispatchStream
