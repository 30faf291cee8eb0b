/**
 * Reads the events a `RedisStreamRelay` published, through a Redis consumer group: each consumer of
 * a group gets its share of the entries, hands each decoded envelope to the handler, and acknowledges
 * it (XACK) only after the handler succeeded. Entries a consumer took but never acknowledged (it
 * died) are claimed by another consumer of the group once they were idle for `claimIdle`. Delivery
 * is at least once: handlers deduplicate by `eventId`. One consumer per group keeps each stream's
 * events in order; several share the load and may interleave a stream's events.
 *
 * With a tracer that records spans, each event is handled in a `RedisStreamConsumer.handle` span of
 * its own trace, linked to the append that stored the event (its metadata's `traceparent`).
 */
import { type EventEnvelope, type StoreUnavailable, TraceContext } from "@cello/eventsourcing"
import { Clock, Duration, Effect, Ref, Tracer } from "effect"
import { eventSourcingUnavailable } from "./internal/eventSourcingUnavailable.js"
import { type StreamEntry as Entry, isString, streamEntries } from "./internal/reply.js"
import * as StreamEntry from "./internal/streamEntry.js"
import { RedisClient } from "./RedisClient.js"
import type { StreamEntryError } from "./StreamEntryError.js"

export interface Options<E, R> {
  /** The Redis Stream (under the key prefix) the relay writes; default "events". */
  readonly stream?: string
  readonly group: string
  /** This consumer's name in the group: a restarted process should reuse it, to resume its entries. */
  readonly consumer: string
  readonly handler: (envelope: EventEnvelope) => Effect.Effect<void, E, R>
  /** Entries read per round trip (default 100). */
  readonly batchSize?: number
  /** How long a read waits for new entries before looking for stale ones (default 1 second). */
  readonly block?: Duration.Input
  /** Another consumer's unacknowledged entries idle this long are claimed (default 30 seconds). */
  readonly claimIdle?: Duration.Input
}

const millis = (d: Duration.Input): number =>
  Math.max(1, Math.round(Duration.toMillis(Duration.fromInputUnsafe(d))))

/**
 * Consumes for as long as the effect runs. Creates the group (reading from the stream's start) if it
 * does not exist. Fails with the handler's error (the entry stays pending, for a retry or a claim),
 * a `StreamEntryError` for an entry that is not an envelope, or `StoreUnavailable`.
 */
export const run = <E, R>(
  options: Options<E, R>
): Effect.Effect<never, E | StoreUnavailable | StreamEntryError, R | RedisClient> =>
  Effect.scoped(
    Effect.gen(function* () {
      const client = yield* RedisClient
      // XREADGROUP BLOCK holds its connection: it gets one of its own.
      const reader = yield* client.dedicated
      const stream = options.stream ?? "events"
      const key = client.key("stream", stream)
      const { group, consumer } = options
      const count = String(options.batchSize ?? 100)
      const block = String(millis(options.block ?? "1 second"))
      const claimIdle = millis(options.claimIdle ?? "30 seconds")
      const call = (operation: string, command: string, args: ReadonlyArray<string>) =>
        client
          .run(operation, (redis) => redis.call(command, [...args]))
          .pipe(Effect.mapError(eventSourcingUnavailable))

      yield* client
        .run("createConsumerGroup", (redis) =>
          redis.call("XGROUP", ["CREATE", key, group, "0", "MKSTREAM"]).catch((error: unknown) =>
            // The group is there already: join it.
            error instanceof Error && error.message.startsWith("BUSYGROUP") ? "OK" : Promise.reject(error)
          )
        )
        .pipe(Effect.mapError(eventSourcingUnavailable))

      // A root span per event (the consumer's own span never ends), linked to the append's trace;
      // none with Effect's native tracer.
      const traced = <A, E2, R2>(
        handler: (envelope: EventEnvelope) => Effect.Effect<A, E2, R2>,
        envelope: EventEnvelope
      ) =>
        Effect.withFiber((fiber) => {
          const tracer = fiber.cache.tracer
          if (tracer === undefined || tracer === Tracer.nativeTracer) return handler(envelope)
          const link = TraceContext.link(envelope.metadata.traceparent)
          return handler(envelope).pipe(
            Effect.withSpan(
              "RedisStreamConsumer.handle",
              {
                attributes: {
                  "cello.consumer_group": group,
                  "cello.event_id": envelope.eventId,
                  "cello.event_type": envelope.type
                },
                links: link === undefined ? [] : [link],
                root: true
              },
              { captureStackTrace: false }
            )
          )
        })

      const handle = (entries: ReadonlyArray<Entry>) =>
        Effect.forEach(
          entries,
          (entry) =>
            Effect.gen(function* () {
              // A pending entry deleted or trimmed since: nothing to hand over, only to acknowledge.
              if (entry.fields !== undefined)
                yield* traced(options.handler, yield* StreamEntry.decode(stream, entry.id, entry.fields))
              yield* call("acknowledgeEntry", "XACK", [key, group, entry.id])
            }),
          { discard: true }
        )

      const readGroup = (from: string, blocking: boolean) =>
        reader
          .run("readConsumerGroup", (redis) =>
            redis.call("XREADGROUP", [
              "GROUP",
              group,
              consumer,
              "COUNT",
              count,
              ...(blocking ? ["BLOCK", block] : []),
              "STREAMS",
              key,
              from
            ])
          )
          .pipe(
            Effect.mapError(eventSourcingUnavailable),
            Effect.map((reply) =>
              Array.isArray(reply) && Array.isArray(reply[0]) ? streamEntries(reply[0][1]) : []
            )
          )

      // First what this consumer took before it restarted and never acknowledged.
      while (true) {
        const mine = yield* readGroup("0", false)
        if (mine.length === 0) break
        yield* handle(mine)
      }

      const claimCursor = yield* Ref.make("0-0")
      const lastClaim = yield* Ref.make(0)
      const claimStale = Effect.gen(function* () {
        const reply = yield* call("claimStaleEntries", "XAUTOCLAIM", [
          key,
          group,
          consumer,
          String(claimIdle),
          yield* Ref.get(claimCursor),
          "COUNT",
          count
        ])
        const next = Array.isArray(reply) && isString(reply[0]) ? reply[0] : "0-0"
        yield* Ref.set(claimCursor, next)
        return Array.isArray(reply) ? streamEntries(reply[1]) : []
      })

      return yield* Effect.gen(function* () {
        // Looks for stale entries twice per `claimIdle`, and on every idle read.
        const now = yield* Clock.currentTimeMillis
        if (now - (yield* Ref.get(lastClaim)) >= claimIdle / 2) {
          yield* Ref.set(lastClaim, now)
          const claimed = yield* claimStale
          if (claimed.length > 0) return yield* handle(claimed)
        }
        const fresh = yield* readGroup(">", true)
        if (fresh.length === 0) yield* Ref.set(lastClaim, 0)
        yield* handle(fresh)
      }).pipe(Effect.forever)
    })
  ).pipe(
    Effect.withSpan("RedisStreamConsumer.run", { attributes: { "cello.consumer_group": options.group } })
  )
