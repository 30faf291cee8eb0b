/**
 * The EventStore conformance suite: what every store must do, specified once. A store's test file
 * calls `eventStoreSuite(name, layer)`. Tests use fresh stream and event ids and read the global log from the
 * head they see at their start, so the store may hold other data (a shared database).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, type Layer, Stream } from "effect"
import * as Checkpoint from "../Checkpoint.js"
import type { EventEnvelope, EventPayload, NewEvent } from "../EventEnvelope.js"
import { EventStore, readStreamPayloadsOf } from "../EventStore.js"
import type { ExpectedVersion } from "../ExpectedVersion.js"
import {
  flipToTag,
  freshStream,
  headNow,
  logOf,
  numbers,
  pings,
  readAllThrough,
  seed,
  visible
} from "./fixtures.js"

export interface SuiteOptions {
  /** Concurrent writers in the concurrency tests (default 8). */
  readonly writers?: number
  /** Per-test timeout (default 30 seconds). */
  readonly timeout?: number
}

const ofStreams = (events: ReadonlyArray<EventEnvelope>, prefix: string) =>
  events.filter((e) => e.streamId.startsWith(prefix))

export const eventStoreSuite = <E>(
  name: string,
  storeLayer: Layer.Layer<EventStore, E>,
  options: SuiteOptions = {}
): void => {
  const writers = options.writers ?? 8
  layer(storeLayer, { excludeTestServices: true, timeout: "60 seconds" })(
    `${name}: EventStore conformance`,
    (it) => {
      describe("expected version", () => {
        // [events already in the stream, expected version, resulting version or the actual version in the error]
        const table: ReadonlyArray<readonly [number, ExpectedVersion, "ok" | "conflict"]> = [
          [0, "any", "ok"],
          [2, "any", "ok"],
          [0, "no_stream", "ok"],
          [2, "no_stream", "conflict"],
          [0, "stream_exists", "conflict"],
          [2, "stream_exists", "ok"],
          [0, 0, "ok"],
          [2, 2, "ok"],
          [2, 1, "conflict"],
          [2, 3, "conflict"],
          [0, 1, "conflict"]
        ]
        for (const [existing, expected, outcome] of table) {
          it.effect(`${existing} events, expected ${JSON.stringify(expected)} → ${outcome}`, () =>
            Effect.gen(function* () {
              const store = yield* EventStore
              const streamId = freshStream("ev")
              if (existing > 0) yield* seed(streamId, existing)
              const result = yield* Effect.result(
                store.append(streamId, pings(2, 100), { expectedVersion: expected })
              )
              if (outcome === "ok") {
                assert.strictEqual(result._tag, "Success")
                if (result._tag === "Success") {
                  assert.strictEqual(result.success.nextExpectedVersion, existing + 2)
                  assert.deepStrictEqual(
                    result.success.events.map((e) => e.streamVersion),
                    [existing + 1, existing + 2]
                  )
                }
              } else {
                assert.strictEqual(result._tag, "Failure")
                if (result._tag === "Failure") {
                  const error = result.failure
                  assert.strictEqual(error._tag, "ConcurrencyError")
                  if (error._tag === "ConcurrencyError") {
                    assert.strictEqual(error.streamId, streamId)
                    assert.strictEqual(error.actual, existing)
                    assert.deepStrictEqual(error.expected, expected)
                  }
                }
              }
              // A refused append writes nothing.
              assert.strictEqual(
                yield* store.streamVersion(streamId),
                outcome === "ok" ? existing + 2 : existing
              )
            })
          )
        }

        it.effect("an empty append checks the expected version and writes nothing", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = freshStream("empty")
            yield* seed(streamId, 1)
            const ok = yield* store.append(streamId, [], { expectedVersion: 1 })
            assert.strictEqual(ok.nextExpectedVersion, 1)
            assert.strictEqual(ok.events.length, 0)
            assert.strictEqual(
              yield* flipToTag(store.append(streamId, [], { expectedVersion: 5 })),
              "ConcurrencyError"
            )
          })
        )
      })

      describe("envelopes", () => {
        it.effect("carry ids, type, schema version, versions, position, timestamp, data and metadata", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = freshStream("env")
            // A fresh id, so the suite runs again on the same database.
            const eventId = crypto.randomUUID()
            const before = yield* headNow
            const result = yield* store.append(
              streamId,
              [
                {
                  type: "Opened",
                  data: {
                    owner: 'Zoë "O\'Brien"',
                    tags: ["a", "b"],
                    nested: { x: 1.5, ok: true, none: null }
                  },
                  eventId,
                  metadata: { causationId: "cmd-1" }
                },
                { type: "Renamed", schemaVersion: 3, data: { to: "Zed" } }
              ],
              { metadata: { correlationId: "req-1", user: "ann", causationId: "overridden" } }
            )
            const [first, second] = result.events
            assert.isDefined(first)
            assert.isDefined(second)
            if (first === undefined || second === undefined) return
            assert.strictEqual(first.eventId, eventId)
            assert.match(
              second.eventId,
              /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
            )
            assert.strictEqual(first.type, "Opened")
            assert.strictEqual(first.schemaVersion, 1)
            assert.strictEqual(second.schemaVersion, 3)
            assert.deepStrictEqual([first.streamVersion, second.streamVersion], [1, 2])
            assert.isTrue(second.position > first.position)
            assert.isTrue(Checkpoint.isAfter(first.checkpoint, before))
            assert.isTrue(Checkpoint.isAfter(second.checkpoint, first.checkpoint))
            assert.deepStrictEqual(first.metadata, {
              correlationId: "req-1",
              user: "ann",
              causationId: "cmd-1"
            })
            assert.deepStrictEqual(second.metadata, {
              correlationId: "req-1",
              user: "ann",
              causationId: "overridden"
            })
            assert.deepStrictEqual(result.checkpoint, second.checkpoint)
            // What a reader gets back equals what the append returned.
            const read = yield* store.readStream(streamId)
            assert.deepStrictEqual(
              read.map((e) => [
                e.eventId,
                e.type,
                e.schemaVersion,
                e.streamVersion,
                e.position,
                e.data,
                e.metadata
              ]),
              result.events.map((e) => [
                e.eventId,
                e.type,
                e.schemaVersion,
                e.streamVersion,
                e.position,
                e.data,
                e.metadata
              ])
            )
            assert.deepStrictEqual(read[0]?.data, {
              owner: 'Zoë "O\'Brien"',
              tags: ["a", "b"],
              nested: { x: 1.5, ok: true, none: null }
            })
            assert.deepStrictEqual(yield* visible(second.checkpoint), second.checkpoint)
          })
        )

        it.effect("stream ids with quotes, unicode and SQL are stored as given", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = `${freshStream("odd")}-'; DROP TABLE events; --"\\ 🎻 ünïcødé`
            yield* store.append(streamId, pings(2))
            assert.deepStrictEqual(numbers(yield* store.readStream(streamId)), [1, 2])
            assert.strictEqual(yield* store.streamVersion(streamId), 2)
          })
        )
      })

      describe("bad input is refused with InvalidAppendError and writes nothing", () => {
        const cycle: Record<string, unknown> = {}
        cycle.self = cycle
        const cases: ReadonlyArray<readonly [string, string | undefined, ReadonlyArray<NewEvent>, unknown]> =
          [
            ["empty stream id", "", pings(1), undefined],
            ["stream id over the byte limit", "x".repeat(1500), pings(1), undefined],
            ["NUL in the stream id", "a\u0000b", pings(1), undefined],
            ["empty type", undefined, [{ type: "", data: {} }], undefined],
            [
              "NUL inside a payload string",
              undefined,
              [...pings(1), { type: "Bad", data: { s: "a\u0000" } }],
              undefined
            ],
            [
              "a lone surrogate in a payload",
              undefined,
              [...pings(1), { type: "Bad", data: { s: "\uD800" } }],
              undefined
            ],
            ["a bigint payload", undefined, [...pings(2), { type: "Bad", data: { n: 1n } }], undefined],
            ["a cyclic payload", undefined, [...pings(1), { type: "Bad", data: cycle }], undefined],
            ["an undefined payload", undefined, [{ type: "Bad", data: undefined }], undefined],
            ["a non-finite number", undefined, [{ type: "Bad", data: { x: Number.NaN } }], undefined],
            ["schema version 0", undefined, [{ type: "Bad", schemaVersion: 0, data: {} }], undefined],
            [
              "an event id that is not a UUID",
              undefined,
              [{ type: "Bad", eventId: "nope", data: {} }],
              undefined
            ],
            [
              "the same event id twice",
              undefined,
              [
                { type: "A", eventId: "0190f0e0-0000-7000-8000-0000000000aa", data: {} },
                { type: "B", eventId: "0190f0e0-0000-7000-8000-0000000000aa", data: {} }
              ],
              undefined
            ],
            ["a negative expected version", undefined, pings(1), -1],
            ["a fractional expected version", undefined, pings(1), 1.5],
            ["an unknown expected-version mode", undefined, pings(1), "latest"]
          ]
        for (const [label, streamIdOverride, events, expectedVersion] of cases) {
          it.effect(label, () =>
            Effect.gen(function* () {
              const store = yield* EventStore
              const streamId = streamIdOverride ?? freshStream("bad")
              const before = yield* headNow
              // The cast stands for an untyped caller (plain JS, a decoded request): the store must check.
              const options =
                expectedVersion === undefined ? {} : { expectedVersion: expectedVersion as ExpectedVersion }
              const error = yield* Effect.flip(store.append(streamId, events, options))
              assert.strictEqual(error._tag, "InvalidAppendError")
              assert.isAbove(error.message.length, 10)
              assert.strictEqual(yield* store.streamVersion(streamId), 0)
              assert.deepStrictEqual(yield* logOf(before, (e) => e.streamId === streamId), [])
            })
          )
        }
      })

      it.effect("an event id already stored (in any stream) is refused and the append writes nothing", () =>
        Effect.gen(function* () {
          const store = yield* EventStore
          const eventId = crypto.randomUUID()
          const first = freshStream("dup-a")
          const second = freshStream("dup-b")
          yield* store.append(first, [{ type: "A", eventId, data: {} }])
          const error = yield* Effect.flip(
            store.append(second, [...pings(2), { type: "B", eventId, data: {} }])
          )
          assert.strictEqual(error._tag, "InvalidAppendError")
          assert.match(error.message, /already stored/)
          assert.strictEqual(yield* store.streamVersion(second), 0)
        })
      )

      it.effect("a re-sent append is stored once and answers the original result", () =>
        Effect.gen(function* () {
          const store = yield* EventStore
          const streamId = freshStream("resent")
          const events = [0, 1].map((n) => ({ type: "A", eventId: crypto.randomUUID(), data: { n } }))
          yield* store.append(streamId, pings(1))
          const first = yield* store.append(streamId, events, { expectedVersion: 1 })
          // The first answer was lost (an ambiguous outcome): the client sends the same append again.
          for (const expectedVersion of [1, "any", "stream_exists"] as const) {
            const again = yield* store.append(streamId, events, { expectedVersion })
            assert.deepStrictEqual(
              again.events.map((e) => [e.eventId, e.streamVersion, e.position]),
              first.events.map((e) => [e.eventId, e.streamVersion, e.position])
            )
            assert.strictEqual(again.nextExpectedVersion, 3)
          }
          // The same ids in another stream, or in another order, are refused naming an id.
          for (const [target, batch] of [
            [freshStream("resent-other"), events],
            [streamId, [...events].reverse()]
          ] as const) {
            const error = yield* Effect.flip(store.append(target, batch))
            assert.strictEqual(error._tag, "InvalidAppendError")
            assert.include(error.message, "is already stored")
          }
          assert.strictEqual(yield* store.streamVersion(streamId), 3)
          assert.strictEqual((yield* store.readStream(streamId)).length, 3)
        })
      )

      describe("reading", () => {
        it.effect("readStream reads forwards and backwards, from a version, with a limit", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = freshStream("read")
            yield* seed(streamId, 10)
            assert.deepStrictEqual(
              numbers(yield* store.readStream(streamId)),
              [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
            )
            assert.deepStrictEqual(
              numbers(yield* store.readStream(streamId, { from: 4, limit: 3 })),
              [4, 5, 6]
            )
            assert.deepStrictEqual(numbers(yield* store.readStream(streamId, { from: 9 })), [9, 10])
            assert.deepStrictEqual(numbers(yield* store.readStream(streamId, { from: 11 })), [])
            assert.deepStrictEqual(
              numbers(yield* store.readStream(streamId, { direction: "backwards", limit: 3 })),
              [10, 9, 8]
            )
            assert.deepStrictEqual(
              numbers(yield* store.readStream(streamId, { direction: "backwards", from: 4 })),
              [4, 3, 2, 1]
            )
            assert.deepStrictEqual(
              (yield* store.readStream(streamId, { direction: "backwards", from: 2, limit: 5 })).map(
                (e) => e.streamVersion
              ),
              [2, 1]
            )
          })
        )

        it.effect("readStream of a stream with no event fails with StreamNotFound", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = freshStream("missing")
            const error = yield* Effect.flip(store.readStream(streamId))
            assert.strictEqual(error._tag, "StreamNotFound")
            assert.strictEqual(yield* store.streamVersion(streamId), 0)
          })
        )

        it.effect("readStreamPayloads reads what readStream reads, narrowed to what a load decodes", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = freshStream("payloads")
            const events: ReadonlyArray<NewEvent> = [
              { type: "Opened", data: { owner: 'Zoë "Z" O\'Brien', limits: [1, 2.5, -3e-7], flags: null } },
              {
                type: "Renamed",
                schemaVersion: 3,
                data: { name: "ünïcødé ✓ 😀", nested: { deep: [true, false] } }
              },
              { type: "Closed", schemaVersion: 2, data: {} },
              ...pings(3, 4)
            ]
            yield* store.append(streamId, events.slice(0, 2))
            yield* store.append(streamId, events.slice(2))
            const narrowed = (payloads: ReadonlyArray<EventPayload>) =>
              payloads.map(({ type, schemaVersion, streamVersion, data }) => ({
                type,
                schemaVersion,
                streamVersion,
                data
              }))
            for (const from of [1, 2, 3, 6, 7, 100]) {
              const payloads = yield* readStreamPayloadsOf(store, streamId, from)
              const envelopes = yield* store.readStream(streamId, { from })
              assert.deepStrictEqual(narrowed(payloads), narrowed(envelopes), `from ${from}`)
              assert.strictEqual(payloads.length, Math.max(0, 7 - from), `from ${from}`)
            }
            assert.deepStrictEqual(narrowed(yield* readStreamPayloadsOf(store, streamId, 2)).slice(0, 2), [
              { type: "Renamed", schemaVersion: 3, streamVersion: 2, data: events[1]?.data },
              { type: "Closed", schemaVersion: 2, streamVersion: 3, data: {} }
            ])
            // No stream: no payload, and no StreamNotFound (a load starts from the initial state).
            assert.deepStrictEqual(yield* readStreamPayloadsOf(store, freshStream("none"), 1), [])
            assert.deepStrictEqual(yield* readStreamPayloadsOf(store, "", 1), [])
          })
        )

        it.effect("readAll reads in global order after a checkpoint, with a limit", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const prefix = freshStream("all")
            const start = yield* headNow
            yield* store.append(`${prefix}-a`, pings(2, 1))
            yield* store.append(`${prefix}-b`, pings(2, 3))
            const last = yield* store.append(`${prefix}-a`, pings(1, 5))
            yield* visible(last.checkpoint)
            const all = ofStreams(yield* readAllThrough({ from: start }, last.checkpoint), prefix)
            assert.deepStrictEqual(numbers(all), [1, 2, 3, 4, 5])
            for (let i = 1; i < all.length; i++) {
              const [prev, cur] = [all[i - 1], all[i]]
              if (prev && cur) assert.isTrue(Checkpoint.isAfter(cur.checkpoint, prev.checkpoint))
            }
            const second = all[1]
            if (second === undefined) return assert.fail("missing event")
            const page = ofStreams(
              yield* readAllThrough({ from: second.checkpoint, limit: 2 }, last.checkpoint),
              prefix
            )
            assert.deepStrictEqual(numbers(page), [3, 4])
            assert.deepStrictEqual(ofStreams(yield* store.readAll({ from: yield* headNow }), prefix), [])
          })
        )
      })

      describe("atomicity", () => {
        it.effect("an append whose inline step fails leaves nothing behind", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = freshStream("inline")
            yield* seed(streamId, 1)
            const before = yield* headNow
            let seen: ReadonlyArray<number> = []
            const error = yield* Effect.flip(
              store.append(streamId, pings(3, 2), {
                expectedVersion: 1,
                inline: (events) =>
                  Effect.suspend(() => {
                    seen = events.map((e) => e.streamVersion)
                    return Effect.fail("projection exploded" as const)
                  })
              })
            )
            assert.strictEqual(error, "projection exploded")
            assert.deepStrictEqual(seen, [2, 3, 4])
            assert.strictEqual(yield* store.streamVersion(streamId), 1)
            assert.deepStrictEqual(
              yield* logOf(before, (e) => e.streamId === streamId && e.streamVersion > 1),
              []
            )
            // The stream is still writable at its old version.
            const ok = yield* store.append(streamId, pings(1, 2), {
              expectedVersion: 1,
              inline: (events) =>
                Effect.sync(() => {
                  seen = events.map((e) => e.streamVersion)
                })
            })
            assert.strictEqual(ok.nextExpectedVersion, 2)
            assert.deepStrictEqual(seen, [2])
          })
        )
      })

      describe("concurrency", () => {
        it.effect(`${writers * 2} concurrent appends with the same expected version: exactly one wins`, () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = freshStream("race")
            yield* seed(streamId, 1)
            const results = yield* Effect.forEach(
              Array.from({ length: writers * 2 }, (_, i) => i),
              (i) => Effect.result(store.append(streamId, pings(2, 100 + i * 2), { expectedVersion: 1 })),
              { concurrency: "unbounded" }
            )
            const wins = results.filter((r) => r._tag === "Success")
            assert.strictEqual(wins.length, 1)
            for (const r of results)
              if (r._tag === "Failure") {
                assert.strictEqual(r.failure._tag, "ConcurrencyError")
                if (r.failure._tag === "ConcurrencyError") assert.strictEqual(r.failure.actual, 3)
              }
            const versions = (yield* store.readStream(streamId)).map((e) => e.streamVersion)
            assert.deepStrictEqual(versions, [1, 2, 3])
          })
        )

        it.effect(
          `${writers} writers on shared and own streams: versions gap-free, readAll and a live subscriber see every event once`,
          () =>
            Effect.gen(function* () {
              const store = yield* EventStore
              const prefix = freshStream("torture")
              const start = yield* headNow
              const appendsPerWriter = 25
              const total = { events: 0 }
              const plan = Array.from({ length: writers }, (_, w) =>
                Array.from({ length: appendsPerWriter }, (_, i) => ({
                  streamId: i % 3 === 0 ? `${prefix}-own-${w}` : `${prefix}-shared-${i % 2}`,
                  size: 1 + ((w + i) % 3)
                }))
              )
              for (const writer of plan) for (const a of writer) total.events += a.size
              const subscriber = yield* store.subscribeAll({ from: start }).pipe(
                Stream.filter((e) => e.streamId.startsWith(prefix)),
                Stream.take(total.events),
                Stream.runCollect,
                Effect.forkChild
              )
              yield* Effect.forEach(
                plan,
                (writer, w) =>
                  Effect.forEach(
                    writer,
                    (a, i) => store.append(a.streamId, pings(a.size, w * 1000 + i * 10)),
                    {
                      discard: true
                    }
                  ),
                { concurrency: "unbounded", discard: true }
              )
              const live = yield* Fiber.join(subscriber).pipe(Effect.timeout("20 seconds"))
              const read = ofStreams(yield* readAllThrough({ from: start }, live.at(-1)?.checkpoint), prefix)
              assert.strictEqual(read.length, total.events)
              assert.strictEqual(new Set(read.map((e) => e.eventId)).size, total.events)
              assert.deepStrictEqual(
                live.map((e) => e.eventId),
                read.map((e) => e.eventId)
              )
              const byStream = new Map<string, Array<number>>()
              for (const e of read)
                byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.streamVersion])
              for (const [streamId, versions] of byStream) {
                assert.deepStrictEqual(
                  versions,
                  Array.from({ length: versions.length }, (_, i) => i + 1),
                  streamId
                )
                assert.strictEqual(yield* store.streamVersion(streamId), versions.length)
              }
            })
        )
      })

      describe("subscriptions", () => {
        it.effect("subscribeAll catches up, then follows live appends without gap or duplicate", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const prefix = freshStream("sub")
            const start = yield* headNow
            yield* store.append(`${prefix}-1`, pings(3, 1))
            const caughtUp = yield* Deferred.make<void>()
            const fiber = yield* store.subscribeAll({ from: start }).pipe(
              Stream.filter((e) => e.streamId.startsWith(prefix)),
              Stream.tap((e) =>
                numbers([e])[0] === 3 ? Deferred.succeed(caughtUp, undefined) : Effect.void
              ),
              Stream.take(6),
              Stream.runCollect,
              Effect.forkChild
            )
            yield* Deferred.await(caughtUp)
            yield* store.append(`${prefix}-2`, pings(2, 4))
            yield* store.append(`${prefix}-1`, pings(1, 6))
            const seen = yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds"))
            assert.deepStrictEqual(numbers(seen), [1, 2, 3, 4, 5, 6])
          })
        )

        it.effect("subscribeAll from a checkpoint delivers only later events", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const prefix = freshStream("subfrom")
            const first = yield* store.append(`${prefix}-x`, pings(2, 1))
            const checkpoint = first.checkpoint ?? Checkpoint.start
            yield* store.append(`${prefix}-x`, pings(2, 3))
            const seen = yield* store.subscribeAll({ from: checkpoint }).pipe(
              Stream.filter((e) => e.streamId.startsWith(prefix)),
              Stream.take(2),
              Stream.runCollect,
              Effect.timeout("10 seconds")
            )
            assert.deepStrictEqual(numbers(seen), [3, 4])
          })
        )

        it.effect("subscribeStream follows one stream from a version", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = freshStream("substream")
            yield* seed(streamId, 3)
            const fiber = yield* store
              .subscribeStream(streamId, { from: 2 })
              .pipe(Stream.take(4), Stream.runCollect, Effect.forkChild)
            yield* store.append(freshStream("other"), pings(1))
            yield* store.append(streamId, pings(2, 4))
            const seen = yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds"))
            assert.deepStrictEqual(
              seen.map((e) => e.streamVersion),
              [2, 3, 4, 5]
            )
            assert.deepStrictEqual(numbers(seen), [2, 3, 4, 5])
          })
        )

        it.effect("a subscription to a stream that does not exist yet waits for it", () =>
          Effect.gen(function* () {
            const store = yield* EventStore
            const streamId = freshStream("later")
            const fiber = yield* store
              .subscribeStream(streamId)
              .pipe(Stream.take(1), Stream.runCollect, Effect.forkChild)
            yield* Effect.sleep("20 millis")
            assert.isUndefined(fiber.pollUnsafe())
            yield* seed(streamId, 1)
            const seen = yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds"))
            assert.deepStrictEqual(numbers(seen), [1])
          })
        )
      })
    }
  )
}
