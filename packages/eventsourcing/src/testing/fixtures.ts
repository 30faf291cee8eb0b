import { Effect, Schedule } from "effect"
import * as Checkpoint from "../Checkpoint.js"
import type { EventEnvelope, NewEvent } from "../EventEnvelope.js"
import { EventStore, type ReadAllOptions } from "../EventStore.js"
import { uuidv7 } from "../internal/uuid.js"

/** A stream id no other test (or test run sharing the database) uses. */
export const freshStream = (label: string): string => `conformance-${label}-${uuidv7()}`

/** `n` small events of type `Ping`, numbered from `from`. */
export const pings = (n: number, from = 1): ReadonlyArray<NewEvent> =>
  Array.from({ length: n }, (_, i) => ({ type: "Ping", data: { n: from + i } }))

/** Appends `n` pings with expected version "any". */
export const seed = (streamId: string, n: number) =>
  EventStore.use((store) => store.append(streamId, pings(n)))

/** The `n` of each event's payload, as stored. */
export const numbers = (events: ReadonlyArray<{ readonly data: unknown }>): ReadonlyArray<unknown> =>
  events.map((e) => (typeof e.data === "object" && e.data !== null && "n" in e.data ? e.data.n : undefined))

/** The store's head now: global reads in a test start here, so other data in the store does not matter. */
export const headNow = EventStore.use((store) => store.head)

export const flipToTag = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.flip(effect), (e) => e._tag)

/**
 * Waits until readers of the global log can see `checkpoint`. A store may show an append to readers
 * a little later than it returns (PostgreSQL: not past a transaction still running elsewhere), never
 * out of order; tests that read the log right after writing wait for this first.
 */
export const visible = (checkpoint: Checkpoint.Checkpoint | undefined) =>
  EventStore.use((store) => store.head).pipe(
    Effect.repeat({
      until: (head) => checkpoint === undefined || !Checkpoint.isAfter(checkpoint, head),
      schedule: Schedule.spaced("20 millis")
    }),
    Effect.timeout("20 seconds"),
    Effect.orDie
  )

/**
 * `readAll(options)` once it shows the log up to `checkpoint` (or a full page). Visibility is per
 * statement: on PostgreSQL a transaction that ends while a read runs holds that read back, so a read
 * right after `visible` may briefly show less; it never skips or reorders, so tests read again.
 */
export const readAllThrough = (options: ReadAllOptions, checkpoint: Checkpoint.Checkpoint | undefined) =>
  EventStore.use((store) => store.readAll(options)).pipe(
    Effect.repeat({
      until: (events) =>
        checkpoint === undefined ||
        (options.limit !== undefined && events.length >= options.limit) ||
        events.some((event) => !Checkpoint.isAfter(checkpoint, event.checkpoint)),
      schedule: Schedule.spaced("20 millis")
    }),
    Effect.timeout("20 seconds"),
    Effect.orDie
  )

/** Events of the log after `from` that satisfy `keep` (tests look only at their own streams). */
export const logOf = (from: Checkpoint.Checkpoint, keep: (event: EventEnvelope) => boolean) =>
  EventStore.use((store) => store.readAll({ from })).pipe(Effect.map((events) => events.filter(keep)))
