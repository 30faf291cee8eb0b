/**
 * An aggregate: a name, an initial state, the events it is made of, and `evolve` — one handler per
 * event type, checked exhaustively by the compiler — plus, optionally, a state schema for snapshots.
 * Commands are plain functions `decide(state, command)` returning new events or a typed error.
 */
import { type Effect, Option, Schema } from "effect"
import * as EventCatalog from "./EventCatalog.js"
import type * as EventType from "./EventType.js"

type Tagged = { readonly _tag: string }

/** One handler per event type: leaving one out, or naming an unknown one, is a compile error. */
export type Evolvers<S, Ev extends Tagged> = {
  readonly [K in Ev["_tag"]]: (state: S, event: Extract<Ev, { readonly _tag: K }>) => S
}

/** How an aggregate's state is stored in a snapshot. */
export interface SnapshotCodec<S> {
  /** Bump when the state's shape changes: snapshots of another version are ignored (rebuilt from events). */
  readonly version: number
  readonly encode: (state: S) => Effect.Effect<unknown, Schema.SchemaError>
  readonly decode: (stored: unknown) => Effect.Effect<S, Schema.SchemaError>
}

export interface Aggregate<S, Ev extends Tagged> {
  readonly name: string
  readonly initialState: S
  readonly events: EventCatalog.EventCatalog<Ev>
  readonly evolve: (state: S, event: Ev) => S
  readonly snapshot: Option.Option<SnapshotCodec<S>>
  /** The event stream of the aggregate with this id: `<name>-<id>`. */
  readonly streamId: (id: string) => string
}

/** The state type of an aggregate. */
export type StateOf<A> = A extends Aggregate<infer S, infer _Ev> ? S : never
/** The event union of an aggregate. */
export type EventOf<A> = A extends Aggregate<infer _S, infer Ev> ? Ev : never

/** A command handler: the events a command causes in a state, or a typed domain error. */
export type Decide<S, Ev, E = never, R = never> = (state: S) => Effect.Effect<ReadonlyArray<Ev>, E, R>

// Indexing the mapped type with a generic key keeps the handler and its event correlated.
const evolveOne = <S, Ev extends Tagged, K extends Ev["_tag"]>(
  evolvers: Evolvers<S, Ev>,
  tag: K,
  state: S,
  event: Extract<Ev, { readonly _tag: K }>
): S => evolvers[tag](state, event)

/**
 * Defines an aggregate. The state type comes first, on its own, so TypeScript checks every `evolve`
 * handler against it (literal types included) instead of guessing it from the handlers:
 * `Aggregate.make<OrderState>()({ name, initialState, events, evolve, snapshot })`.
 */
export const make =
  <S>() =>
  <const Defs extends ReadonlyArray<EventType.Definition>>(options: {
    readonly name: string
    readonly initialState: S
    readonly events: Defs
    readonly evolve: Evolvers<S, EventType.EventOf<Defs[number]>>
    /** Enables snapshots: the state's schema and its version (default 1). */
    readonly snapshot?: { readonly schema: Schema.Codec<S, unknown>; readonly version?: number }
  }): Aggregate<S, EventType.EventOf<Defs[number]>> => {
    const snapshot = Option.map(Option.fromUndefinedOr(options.snapshot), ({ schema, version }) => {
      const json = Schema.toCodecJson(schema)
      return {
        version: version ?? 1,
        encode: Schema.encodeEffect(json),
        decode: Schema.decodeUnknownEffect(json)
      }
    })
    return {
      name: options.name,
      initialState: options.initialState,
      events: EventCatalog.make(options.events),
      evolve: (state, event) => evolveOne(options.evolve, event._tag, state, event),
      snapshot,
      streamId: (id) => `${options.name}-${id}`
    }
  }

/** Folds events into a state. */
export const fold = <S, Ev extends Tagged>(
  aggregate: Aggregate<S, Ev>,
  state: S,
  events: Iterable<Ev>
): S => {
  let current = state
  for (const event of events) current = aggregate.evolve(current, event)
  return current
}
