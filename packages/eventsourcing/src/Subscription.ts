/**
 * Live subscriptions for store implementations: catch up and follow by reading from a cursor, waking
 * on a signal. Because every item comes from the store by cursor, the hand-over from catch-up to live
 * can neither skip nor repeat an item.
 */
import { Clock, DateTime, Deferred, Duration, Effect, Metric, Option, Stream } from "effect"
import * as Checkpoint from "./Checkpoint.js"
import type { EventEnvelope } from "./EventEnvelope.js"
import type { EventStoreShape } from "./EventStore.js"
import * as Metrics from "./Metrics.js"

/** A wake-up hint: take a ticket, read, and if nothing was new, await the ticket. */
export interface Signal {
  /** A ticket completes at the next `notify` after it was taken. */
  readonly ticket: Effect.Effect<Effect.Effect<void>>
  readonly notify: Effect.Effect<void>
}

export const makeSignal: Effect.Effect<Signal> = Effect.sync(() => {
  let current = Deferred.makeUnsafe<void>()
  // Only a ticket someone took can be awaited: a notify (every append calls one) before that costs a flag.
  let taken = false
  return {
    ticket: Effect.sync(() => {
      taken = true
      return Deferred.await(current)
    }),
    notify: Effect.sync(() => {
      if (!taken) return
      taken = false
      const previous = current
      current = Deferred.makeUnsafe<void>()
      Deferred.doneUnsafe(previous, Effect.void)
    })
  }
})

export interface LiveOptions<A, C, E, R> {
  readonly from: C
  /** Items strictly after the cursor, in order (an empty page when there is nothing new). */
  readonly read: (cursor: C) => Effect.Effect<ReadonlyArray<A>, E, R>
  /** The cursor just after an item. */
  readonly cursorOf: (item: A) => C
  readonly signal: Signal
  /** How long to wait for a signal before reading again anyway (the fallback when a hint is lost). */
  readonly pollInterval?: Duration.Input
  /** Called with every page read (for instance `reportLag`). */
  readonly onPage?: (page: ReadonlyArray<A>) => Effect.Effect<void>
}

/** An endless stream of the items after `from`, following new ones as they are stored. */
export const live = <A, C, E, R>(options: LiveOptions<A, C, E, R>): Stream.Stream<A, E, R> => {
  const interval = Duration.toMillis(Duration.fromInputUnsafe(options.pollInterval ?? "1 second"))
  // `settle` > 0 after a wake-up found nothing: the append may not be visible yet (in PostgreSQL a
  // reader cannot see past a transaction still running elsewhere), so look again a few times soon
  // instead of sleeping until the next hint or poll.
  return Stream.paginate({ cursor: options.from, settle: 0 }, ({ cursor, settle }) =>
    Effect.gen(function* () {
      // The ticket is taken before the read, so a write between the read and the wait still wakes us.
      const wake = yield* options.signal.ticket
      const page = yield* options.read(cursor)
      if (options.onPage !== undefined) yield* options.onPage(page)
      const last = page.at(-1)
      if (last !== undefined)
        return [page, Option.some({ cursor: options.cursorOf(last), settle: 0 })] as const
      const woke = yield* Effect.timeoutOption(wake, settle > 0 ? settle : interval)
      // After a hint: look again at 10, 40 and 160 ms, then go back to waiting for hints and polls.
      const next = Option.isSome(woke) ? 10 : settle > 0 && settle * 4 <= 160 ? settle * 4 : 0
      return [page, Option.some({ cursor, settle: next })] as const
    })
  )
}

export interface FollowOptions<E> {
  /** The global log strictly after a checkpoint, one page at most. */
  readonly readAll: (after: Checkpoint.Checkpoint) => Effect.Effect<ReadonlyArray<EventEnvelope>, E>
  /** A stream's events strictly after a version, one page at most. */
  readonly readStream: (streamId: string, after: number) => Effect.Effect<ReadonlyArray<EventEnvelope>, E>
  readonly signal: Signal
  readonly pollInterval?: Duration.Input
  /** Runs as each subscription starts (for instance: start following other processes' appends). */
  readonly onSubscribe?: Effect.Effect<void>
}

/**
 * The `subscribeAll` and `subscribeStream` of the `EventStore` port over a store's page reads: every
 * store follows its log the same way, and only reads pages its own way.
 */
export const follow = <E>(
  options: FollowOptions<E>
): {
  readonly subscribeAll: (
    subscribe?: Parameters<EventStoreShape["subscribeAll"]>[0]
  ) => Stream.Stream<EventEnvelope, E>
  readonly subscribeStream: (
    streamId: string,
    subscribe?: Parameters<EventStoreShape["subscribeStream"]>[1]
  ) => Stream.Stream<EventEnvelope, E>
} => {
  const start = <A>(stream: Stream.Stream<A, E>) =>
    options.onSubscribe === undefined ? stream : Stream.unwrap(Effect.as(options.onSubscribe, stream))
  const timing = options.pollInterval === undefined ? {} : { pollInterval: options.pollInterval }
  return {
    subscribeAll: (subscribe = {}) =>
      start(
        live({
          from: subscribe.from ?? Checkpoint.start,
          read: options.readAll,
          cursorOf: (event) => event.checkpoint,
          onPage: reportLag,
          signal: options.signal,
          ...timing
        })
      ),
    subscribeStream: (streamId, subscribe = {}) =>
      start(
        live({
          from: Math.max(0, (subscribe.from ?? 1) - 1),
          read: (after: number) => options.readStream(streamId, after),
          cursorOf: (event) => event.streamVersion,
          signal: options.signal,
          ...timing
        })
      )
  }
}

/**
 * Records the lag of a delivered page of events (now − the last event's timestamp) in
 * `cello_subscription_lag_seconds`. Stores tap their subscription streams with it.
 */
export const reportLag = (page: ReadonlyArray<EventEnvelope>): Effect.Effect<void> => {
  const last = page.at(-1)
  return last === undefined
    ? Effect.void
    : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Metric.update(
          Metrics.subscriptionLag,
          Math.max(0, now - DateTime.toEpochMillis(last.timestamp)) / 1000
        )
      )
}
