/**
 * The `Wakeup` port of `@cello/eventsourcing` on Redis pub/sub: an event store in any process
 * publishes an "appended" hint, and live subscriptions in every process sharing the Redis (and key
 * prefix) read again. Hints are coalesced on both sides (at most one publish in flight, at most one
 * hint waiting per subscriber), and a hint is also given after each reconnection, for what was
 * published while the connection was down. Subscriptions still poll, so a lost hint costs latency.
 */
import { Wakeup } from "@cello/eventsourcing"
import { Effect, Layer, PubSub, Queue, type Scope, Stream } from "effect"
import { RedisClient } from "./RedisClient.js"

export interface Options {
  /** The channel (under the key prefix) of one event store; default "events". */
  readonly channel?: string
}

export const make = (
  options: Options = {}
): Effect.Effect<Wakeup.WakeupShape, never, RedisClient | Scope.Scope> =>
  Effect.gen(function* () {
    const client = yield* RedisClient
    const channel = client.key("wakeup", options.channel ?? "events")
    const hints = yield* PubSub.sliding<void>(1)
    const context = yield* Effect.context<never>()
    const hint = () => Effect.runSyncWith(context)(PubSub.publish(hints, undefined))

    // A subscribed connection can run nothing else, so it is one of its own.
    const subscriber = (yield* client.dedicated).redis
    const subscribe = () =>
      subscriber.subscribe(channel).then(hint, () => {
        // Not connected: the next "ready" subscribes again.
      })
    subscriber.on("message", (from: string) => {
      if (from === channel) hint()
    })
    yield* Effect.promise(subscribe)
    // After the first subscription only: on reconnection (ioredis resubscribes too), hint once more.
    subscriber.on("ready", subscribe)

    const pending = yield* Queue.sliding<void>(1)
    yield* Queue.take(pending).pipe(
      Effect.andThen(client.run("publishWakeup", (redis) => redis.publish(channel, ""))),
      Effect.catch((error) =>
        Effect.logDebug(`cello: wake-up not published; subscribers will poll: ${error.message}`)
      ),
      Effect.forever,
      Effect.forkScoped
    )

    return {
      notify: Effect.asVoid(Queue.offer(pending, undefined)),
      hints: Stream.fromPubSub(hints)
    }
  })

/** A `Wakeup` on the `RedisClient` in context; give it to the event store's layer. */
export const layer = (options: Options = {}): Layer.Layer<Wakeup.Wakeup, never, RedisClient> =>
  Layer.effect(Wakeup.Wakeup, make(options))
