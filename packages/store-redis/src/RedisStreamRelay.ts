/**
 * Publishes the event store's events to a Redis Stream, so other services can react to them. The
 * relay follows `EventStore.subscribeAll` from a checkpoint kept in the `CheckpointStore`: each page
 * of events is XADDed in one pipeline (in global order, so in order per stream), then its checkpoint
 * is saved. Delivery is at least once: a crash between the XADD and the checkpoint publishes those
 * events again, so consumers deduplicate by `eventId`. A lease lets only one relay of a name run at a
 * time; another takes over when the holder's lease expires or is released.
 */
import { randomUUID } from "node:crypto"
import {
  Checkpoint,
  CheckpointStore,
  type EventEnvelope,
  EventStore,
  type StoreUnavailable
} from "@cello/eventsourcing"
import { Data, Duration, Effect, Option, Schedule, Stream } from "effect"
import { eventSourcingUnavailable } from "./internal/eventSourcingUnavailable.js"
import * as StreamEntry from "./internal/streamEntry.js"
import { RedisClient } from "./RedisClient.js"

export interface Options {
  /** The relay's name: its checkpoint and lease in the `CheckpointStore`. */
  readonly name: string
  /** The Redis Stream (under the key prefix); default "events". */
  readonly stream?: string
  /** Trims the stream to about this many entries (XADD MAXLEN ~); default: never trimmed. */
  readonly maxLength?: number
  /** How long a lease lives without renewal (default 30 seconds); renewed every third of it. */
  readonly leaseDuration?: Duration.Input
  /** This relay's name in the lease (default: a fresh UUID). */
  readonly owner?: string
}

class LeaseLost extends Data.TaggedError("LeaseLost")<{}> {}

/** XADDs a page of events in one round trip, in order. */
export const publish = (
  stream: string,
  events: ReadonlyArray<EventEnvelope>,
  maxLength?: number
): Effect.Effect<void, StoreUnavailable, RedisClient> =>
  Effect.gen(function* () {
    const client = yield* RedisClient
    const key = client.key("stream", stream)
    const trim = maxLength === undefined ? [] : ["MAXLEN", "~", String(maxLength)]
    yield* client
      .run("relayToStream", async (redis) => {
        const pipeline = redis.pipeline()
        for (const event of events) pipeline.xadd(key, ...trim, "*", ...StreamEntry.encode(event))
        const failed = (await pipeline.exec())?.find(([error]) => error !== null)?.[0]
        if (failed) return Promise.reject(failed)
      })
      .pipe(Effect.mapError(eventSourcingUnavailable))
  })

/**
 * Runs the relay for as long as the effect runs: waits for the lease, publishes everything after
 * the checkpoint, then follows live appends. Fails on `StoreUnavailable` (wrap it in `Effect.retry`
 * to ride out outages: it resumes from the checkpoint).
 */
export const run = (
  options: Options
): Effect.Effect<
  never,
  StoreUnavailable,
  EventStore.EventStore | CheckpointStore.CheckpointStore | RedisClient
> =>
  Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    const checkpoints = yield* CheckpointStore.CheckpointStore
    const stream = options.stream ?? "events"
    const owner = options.owner ?? randomUUID()
    const leaseDuration = Duration.fromInputUnsafe(options.leaseDuration ?? "30 seconds")
    const renewEvery = Duration.divideUnsafe(leaseDuration, 3)
    const acquire = checkpoints.acquireLease(options.name, owner, leaseDuration)

    const holdLease = Effect.gen(function* () {
      yield* Effect.sleep(renewEvery)
      if (!(yield* acquire)) return yield* new LeaseLost()
    }).pipe(Effect.forever)

    const follow = Effect.gen(function* () {
      const from = Option.getOrElse(yield* checkpoints.load(options.name), () => Checkpoint.start)
      yield* store.subscribeAll({ from }).pipe(
        Stream.runForEachArray((page) =>
          Effect.gen(function* () {
            const last = page.at(-1)
            if (last === undefined) return
            yield* publish(stream, page, options.maxLength)
            yield* checkpoints.save(options.name, last.checkpoint)
          })
        )
      )
      return yield* Effect.never
    })

    const whileLeased = Effect.gen(function* () {
      yield* acquire.pipe(Effect.repeat({ until: (held) => held, schedule: Schedule.spaced(renewEvery) }))
      yield* Effect.raceFirst(follow, holdLease).pipe(
        Effect.ensuring(Effect.ignore(checkpoints.releaseLease(options.name, owner)))
      )
    })

    return yield* whileLeased.pipe(
      Effect.catchTag("LeaseLost", () => Effect.logWarning("relay lease lost; waiting to take it again")),
      Effect.forever
    )
  }).pipe(Effect.withSpan("RedisStreamRelay.run", { attributes: { "cello.relay": options.name } }))
