/**
 * given / when / then for aggregates: given past events, when a command is decided, then expect new
 * events or an error. The history and the new events also go through the aggregate's event catalog
 * (encode, then decode) as they would through a store, so a schema that cannot round-trip fails here.
 */
import { assert } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import * as Aggregate from "../Aggregate.js"
import * as Checkpoint from "../Checkpoint.js"
import type { EventEnvelope } from "../EventEnvelope.js"

type Tagged = { readonly _tag: string }

const roundTrip = <S, Ev extends Tagged>(aggregate: Aggregate.Aggregate<S, Ev>, events: ReadonlyArray<Ev>) =>
  Effect.forEach(events, (event, i) =>
    Effect.gen(function* () {
      const stored = yield* aggregate.events.encode("given", event)
      const envelope: EventEnvelope = {
        eventId: "00000000-0000-7000-8000-000000000000",
        streamId: "given",
        type: stored.type,
        schemaVersion: stored.schemaVersion ?? 1,
        streamVersion: i + 1,
        position: i + 1,
        checkpoint: Checkpoint.make(BigInt(i + 1), BigInt(i + 1)),
        timestamp: DateTime.nowUnsafe(),
        data: JSON.parse(JSON.stringify(stored.data)),
        metadata: {}
      }
      return yield* aggregate.events.decode(envelope)
    })
  ).pipe(Effect.orDie)

export interface When<S, Ev, E, R> {
  /** The decision produced exactly these events (which also round-trip through the catalog). */
  readonly thenEvents: (expected: ReadonlyArray<Ev>) => Effect.Effect<void, never, R>
  /** The decision failed with this error (compared by value). */
  readonly thenFails: (expected: E) => Effect.Effect<void, never, R>
  /** The decision failed with an error that satisfies the predicate. */
  readonly thenFailsWith: (predicate: (error: E) => boolean) => Effect.Effect<void, never, R>
  /** The state after the new events satisfies the check (assert inside it). */
  readonly thenState: (check: (state: S) => void) => Effect.Effect<void, never, R>
}

export interface Given<S, Ev> {
  readonly state: S
  readonly when: <E = never, R = never>(
    decide: (state: S) => Effect.Effect<ReadonlyArray<Ev>, E, R> | ReadonlyArray<Ev>
  ) => When<S, Ev, E, R>
}

export const given = <S, Ev extends Tagged>(
  aggregate: Aggregate.Aggregate<S, Ev>,
  history: ReadonlyArray<Ev> = []
): Given<S, Ev> => {
  const stateOf = Effect.map(roundTrip(aggregate, history), (events) =>
    Aggregate.fold(aggregate, aggregate.initialState, events)
  )
  return {
    state: Aggregate.fold(aggregate, aggregate.initialState, history),
    when: <E = never, R = never>(
      decide: (state: S) => Effect.Effect<ReadonlyArray<Ev>, E, R> | ReadonlyArray<Ev>
    ): When<S, Ev, E, R> => {
      const outcome = Effect.gen(function* () {
        const state = yield* stateOf
        const decided = decide(state)
        const events = Effect.isEffect(decided)
          ? yield* Effect.result(decided)
          : { _tag: "Success" as const, success: decided }
        return { state, events }
      })
      const failure = (check: (error: E) => void) =>
        Effect.gen(function* () {
          const { events } = yield* outcome
          if (events._tag === "Success")
            return assert.fail(`expected an error, got events ${JSON.stringify(events.success)}`)
          check(events.failure)
        })
      return {
        thenEvents: (expected) =>
          Effect.gen(function* () {
            const { events } = yield* outcome
            if (events._tag === "Failure")
              return assert.fail(`expected events, got error ${String(events.failure)}`)
            assert.deepStrictEqual(events.success, expected)
            assert.deepStrictEqual(yield* roundTrip(aggregate, events.success), [...expected])
          }),
        thenFails: (expected) => failure((error) => assert.deepStrictEqual(error, expected)),
        thenFailsWith: (predicate) =>
          failure((error) => assert.isTrue(predicate(error), `unexpected error ${String(error)}`)),
        thenState: (check) =>
          Effect.gen(function* () {
            const { state, events } = yield* outcome
            if (events._tag === "Failure")
              return assert.fail(`expected events, got error ${String(events.failure)}`)
            check(Aggregate.fold(aggregate, state, events.success))
          })
      }
    }
  }
}
