/**
 * The relay and the consumer end to end, over the memory event store and the real Redis: everything
 * appended reaches the Redis Stream at least once and in order per stream, across a relay restart and
 * with two relays competing for one name; a consumer group hands every event to its handler, and the
 * entries of a consumer killed mid-batch are claimed by another.
 */
import { type EventEnvelope, EventStore } from "@cello/eventsourcing"
import { MemoryStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, Ref, Schedule, Tracer } from "effect"
import { RedisClient, RedisStreamConsumer, RedisStreamRelay } from "../src/index.js"
import { streamEntries } from "../src/internal/reply.js"
import * as StreamEntry from "../src/internal/streamEntry.js"
import { clientLayer } from "./testRedis.js"

const testLayer = (label: string) => Layer.mergeAll(MemoryStore.layer, clientLayer(label))

/** Appends `perStream` events to each of `streams` streams, interleaved, in batches of one or two. */
const appendInterleaved = (streams: number, perStream: number, offset = 0) =>
  Effect.forEach(
    Array.from({ length: perStream }, (_, i) => i + offset),
    (i) =>
      Effect.forEach(
        Array.from({ length: streams }, (_, s) => `order-${s}`),
        (streamId) =>
          EventStore.append(
            streamId,
            Array.from({ length: i % 2 === 0 ? 1 : 2 }, (_, k) => ({ type: "Step", data: { i, k } }))
          ),
        { discard: true }
      ),
    { discard: true }
  )

/** Everything in the Redis Stream, decoded, in stream order. */
const published = Effect.gen(function* () {
  const client = yield* RedisClient.RedisClient
  const key = client.key("stream", "events")
  const reply = yield* client
    .run("readStream", (redis) => redis.call("XRANGE", [key, "-", "+"]))
    .pipe(Effect.orDie)
  return yield* Effect.forEach(streamEntries(reply), (entry) =>
    StreamEntry.decode("events", entry.id, entry.fields ?? []).pipe(Effect.orDie)
  )
})

/** Each event of the store at least once, and within each stream the versions in order (1, 2, …). */
const assertDeliveredInOrder = (delivered: ReadonlyArray<EventEnvelope>, allowDuplicates: boolean) =>
  Effect.gen(function* () {
    const all = yield* EventStore.readAll()
    const ids = new Set(delivered.map((e) => e.eventId))
    assert.deepStrictEqual(
      all.filter((e) => !ids.has(e.eventId)).map((e) => e.eventId),
      [],
      "every event delivered"
    )
    if (!allowDuplicates) assert.strictEqual(delivered.length, all.length, "no duplicates")
    const seen = new Set<string>()
    const versions = new Map<string, Array<number>>()
    for (const e of delivered) {
      if (seen.has(e.eventId)) continue
      seen.add(e.eventId)
      versions.set(e.streamId, [...(versions.get(e.streamId) ?? []), e.streamVersion])
    }
    for (const [streamId, list] of versions)
      assert.deepStrictEqual(
        list,
        Array.from({ length: list.length }, (_, i) => i + 1),
        streamId
      )
    // The envelope survives the trip.
    const first = all[0]
    const copy = delivered.find((e) => e.eventId === first?.eventId)
    assert.deepStrictEqual(copy, first)
  })

/** Waits until the Redis Stream holds at least `n` entries. */
const awaitPublished = (n: number) =>
  published.pipe(
    Effect.repeat({ until: (events) => events.length >= n, schedule: Schedule.spaced("20 millis") })
  )

describe("RedisStreamRelay", () => {
  it.live("publishes every event once, in order per stream; a second relay of the name waits", () =>
    Effect.gen(function* () {
      yield* appendInterleaved(5, 20)
      const relay = { name: "orders-out", leaseDuration: "2 seconds" } as const
      const one = yield* Effect.forkChild(RedisStreamRelay.run({ ...relay, owner: "one" }))
      const two = yield* Effect.forkChild(RedisStreamRelay.run({ ...relay, owner: "two" }))
      yield* appendInterleaved(5, 10, 20)
      const total = (yield* EventStore.readAll()).length
      const delivered = yield* awaitPublished(total)
      yield* Effect.sleep("300 millis") // a duplicate publisher would show by now
      yield* assertDeliveredInOrder(yield* published, false)
      assert.strictEqual(delivered.length >= total, true)
      yield* Fiber.interrupt(one)
      yield* Fiber.interrupt(two)
    }).pipe(Effect.provide(testLayer("relay-once")))
  )

  it.live("restarted mid-way, it resumes from its checkpoint: everything at least once, in order", () =>
    Effect.gen(function* () {
      const relay = { name: "orders-out", leaseDuration: "2 seconds" } as const
      yield* appendInterleaved(4, 30)
      const first = yield* Effect.forkChild(RedisStreamRelay.run(relay))
      yield* awaitPublished(20)
      yield* Fiber.interrupt(first) // possibly between an XADD and its checkpoint
      const cut = (yield* published).length
      yield* appendInterleaved(4, 10, 30)
      const second = yield* Effect.forkChild(RedisStreamRelay.run(relay))
      const total = (yield* EventStore.readAll()).length
      yield* awaitPublished(total)
      yield* Fiber.interrupt(second)
      const delivered = yield* published
      assert.isTrue(cut < total, "the first relay stopped before the end")
      yield* assertDeliveredInOrder(delivered, true)
    }).pipe(Effect.provide(testLayer("relay-restart")))
  )
})

describe("RedisStreamConsumer", () => {
  it.live("relay and consumer group end to end: the handler sees every event, in order per stream", () =>
    Effect.gen(function* () {
      yield* appendInterleaved(3, 15)
      const seen = yield* Ref.make<ReadonlyArray<EventEnvelope>>([])
      const relay = yield* Effect.forkChild(RedisStreamRelay.run({ name: "out" }))
      const consumer = yield* Effect.forkChild(
        RedisStreamConsumer.run({
          group: "billing",
          consumer: "billing-1",
          block: "100 millis",
          handler: (e) => Ref.update(seen, (list) => [...list, e])
        })
      )
      yield* appendInterleaved(3, 5, 15)
      const total = (yield* EventStore.readAll()).length
      const handled = yield* Ref.get(seen).pipe(
        Effect.repeat({ until: (list) => list.length >= total, schedule: Schedule.spaced("20 millis") })
      )
      yield* Fiber.interrupt(consumer)
      yield* Fiber.interrupt(relay)
      yield* assertDeliveredInOrder(handled, false)
    }).pipe(Effect.provide(testLayer("consumer")))
  )

  it.live("a consumer killed mid-batch leaves its entries pending; another consumer claims them", () =>
    Effect.gen(function* () {
      yield* appendInterleaved(2, 10)
      const total = (yield* EventStore.readAll()).length
      yield* RedisStreamRelay.run({ name: "out" }).pipe(Effect.forkChild)
      yield* awaitPublished(total)
      // The first consumer takes a batch, handles three events, and dies on the fourth.
      const handledByFirst = yield* Ref.make<ReadonlyArray<string>>([])
      const stuck = yield* Deferred.make<void>()
      const first = yield* Effect.forkChild(
        RedisStreamConsumer.run({
          group: "mail",
          consumer: "mail-1",
          batchSize: 10,
          handler: (e) =>
            Effect.gen(function* () {
              if ((yield* Ref.get(handledByFirst)).length === 3) {
                yield* Deferred.succeed(stuck, undefined)
                return yield* Effect.never
              }
              yield* Ref.update(handledByFirst, (ids) => [...ids, e.eventId])
            })
        })
      )
      yield* Deferred.await(stuck)
      yield* Fiber.interrupt(first)
      // The second consumer reads the rest and, once the first one's entries are idle, claims them.
      const handledBySecond = yield* Ref.make<ReadonlyArray<EventEnvelope>>([])
      const second = yield* Effect.forkChild(
        RedisStreamConsumer.run({
          group: "mail",
          consumer: "mail-2",
          block: "100 millis",
          claimIdle: "300 millis",
          handler: (e) => Ref.update(handledBySecond, (list) => [...list, e])
        })
      )
      const firstIds = yield* Ref.get(handledByFirst)
      const rest = yield* Ref.get(handledBySecond).pipe(
        Effect.repeat({
          until: (list) => list.length >= total - firstIds.length,
          schedule: Schedule.spaced("20 millis")
        })
      )
      yield* Fiber.interrupt(second)
      const restIds = rest.map((e) => e.eventId)
      const all = (yield* EventStore.readAll()).map((e) => e.eventId)
      assert.deepStrictEqual(
        [...firstIds, ...restIds].sort(),
        [...all].sort(),
        "each event handled exactly once"
      )
      // Nothing is left pending in the group.
      const client = yield* RedisClient.RedisClient
      const pending = yield* client.run("pending", (redis) =>
        redis.call("XPENDING", [client.key("stream", "events"), "mail"])
      )
      assert.strictEqual(Array.isArray(pending) ? pending[0] : undefined, 0)
    }).pipe(Effect.provide(testLayer("claim")))
  )

  it.live("with a recording tracer, each event is handled in a root span linked to its append", () =>
    Effect.gen(function* () {
      const spans: Array<Tracer.Span> = []
      const tracer = Tracer.make({
        span: (options) => {
          const span = Tracer.nativeTracer.span(options)
          spans.push(span)
          return span
        }
      })
      const named = (name: string) => spans.filter((s) => s.name === name)
      yield* Effect.gen(function* () {
        yield* EventStore.append("order-1", [{ type: "Step", data: {} }]).pipe(Effect.withSpan("request 1"))
        yield* EventStore.append("order-2", [{ type: "Step", data: {} }]).pipe(Effect.withSpan("request 2"))
        const relay = yield* Effect.forkChild(RedisStreamRelay.run({ name: "out" }))
        const seen = yield* Ref.make(0)
        const consumer = yield* Effect.forkChild(
          RedisStreamConsumer.run({
            group: "traced",
            consumer: "traced-1",
            block: "100 millis",
            handler: () => Ref.update(seen, (n) => n + 1)
          })
        )
        yield* Ref.get(seen).pipe(
          Effect.repeat({ until: (n) => n >= 2, schedule: Schedule.spaced("20 millis") })
        )
        yield* Fiber.interrupt(consumer)
        yield* Fiber.interrupt(relay)
      }).pipe(Effect.provideService(Tracer.Tracer, tracer))
      const appends = named("EventStore.append")
      const handled = named("RedisStreamConsumer.handle")
      assert.deepStrictEqual(
        handled.map((s) => s.links.map((l) => `${l.span.traceId}/${l.span.spanId}`)),
        appends.map((a) => [`${a.traceId}/${a.spanId}`])
      )
      for (const span of handled) assert.isTrue(Option.isNone(span.parent))
    }).pipe(Effect.provide(testLayer("traced")))
  )
})
