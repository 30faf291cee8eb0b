/**
 * The query bus: `QueryBus.dispatch(Definition, payload)` runs the one handler registered for it
 * through the bus's middleware, typed by the definition. Handlers are Layers
 * (`QueryBus.handler(Definition, (payload) => effect)`); a second handler for the same query fails
 * the app at start-up with `DuplicateHandler`.
 */
import { Context, Effect, Layer, Stream } from "effect"
import * as Bus from "./internal/bus.js"
import type { Definition, Failure, Payload, Success } from "./Message.js"
import * as Middleware from "./Middleware.js"

export type { DispatchError, DispatchOptions } from "./internal/bus.js"

/** Where query handler layers register; provided by `layer`. */
export class QueryHandlers extends Context.Service<QueryHandlers, Bus.Registry>()(
  "@cello/cqrs/QueryHandlers"
) {}

export class QueryBus extends Context.Service<QueryBus, Bus.BusShape>()("@cello/cqrs/QueryBus") {}

export interface Options<R> {
  /** Outermost first; default `Middleware.defaults`. */
  readonly middleware?: ReadonlyArray<Middleware.Middleware<R>>
}

/** The bus and its handler registry. Provide handler layers with it: `handlers.pipe(Layer.provideMerge(QueryBus.layer()))`. */
export const layer = <R = never>(options: Options<R> = {}): Layer.Layer<QueryBus | QueryHandlers, never, R> =>
  Layer.effect(
    QueryBus,
    Effect.flatMap(QueryHandlers, (registry) =>
      Bus.makeBus(registry, options.middleware ?? Middleware.defaults)
    )
  ).pipe(Layer.provideMerge(Layer.sync(QueryHandlers, () => Bus.makeRegistry("query"))))

const registrations = Bus.registrations(QueryHandlers)

/** Registers the handler of a query. */
export const handler = registrations.handler
/** Registers a handler that streams progress items (typed by the success schema). */
export const streamHandler = registrations.streamHandler
/** Registers an ordered chain of handlers; the first to answer `Option.some` handles the query. */
export const chain = registrations.chain

export const dispatch = <D extends Definition>(
  definition: D,
  payload: Payload<D>,
  options?: Bus.DispatchOptions
): Effect.Effect<Success<D>, Failure<D> | Bus.DispatchError, QueryBus> =>
  QueryBus.use((bus) => bus.dispatch(definition, payload, options))

export const dispatchStream = <D extends Definition>(
  definition: D,
  payload: Payload<D>
): Stream.Stream<Success<D>, Failure<D> | Bus.DispatchError, QueryBus> =>
  Stream.unwrap(QueryBus.useSync((bus) => bus.dispatchStream(definition, payload)))
