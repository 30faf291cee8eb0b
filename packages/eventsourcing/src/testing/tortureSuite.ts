/**
 * The torture test every SQL store runs against itself: writers on own and shared streams for a while,
 * with every transaction shape the API accepts — single appends, some held open by a slow inline step
 * (so appends started later commit first), some rolled back, two-stream transactions, and transactions
 * that write another table before appending — while a live subscriber is stopped and restarted from
 * its checkpoint again and again. It must see exactly the committed events, each once, in per-stream
 * version order, in a global order that a later full read repeats; a shape the store cannot order may
 * only be refused with the typed error the store declares for it.
 */
import { assert, layer } from "@effect/vitest"
import { Clock, Effect, Fiber, type Layer, Predicate, Ref, Stream } from "effect"
import * as Checkpoint from "../Checkpoint.js"
import type { EventEnvelope } from "../EventEnvelope.js"
import { EventStore } from "../EventStore.js"

/** What the store's own test supplies: its transactions and a table of its own to write. */
export interface TortureTransactions {
  /** Runs `effect` in one transaction of the store: the appends inside commit together or not at all. */
  readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, unknown, R>
  /** Writes a row of another table (not the event store's), inside the current transaction. */
  readonly writeOther: (writer: number, iteration: number) => Effect.Effect<void, unknown>
}

/** A typed failure a store may answer a transaction shape with, instead of committing it. */
export interface Refusal {
  readonly tag: "ConcurrencyError" | "InvalidAppendError"
  /** Words the error's message must contain. */
  readonly saying?: string
}

export interface TortureOptions<R> {
  /** How long the writers write. */
  readonly seconds: number
  /** Concurrent writers (default 8). */
  readonly writers?: number
  /**
   * Sets up the other table (named from `prefix`, unique to the run) and returns the store's
   * transactions; runs once, before the writers start.
   */
  readonly transactions: (prefix: string) => Effect.Effect<TortureTransactions, unknown, R>
  /**
   * The order a two-stream transaction takes its streams in: "either" (as a caller might), or
   * "sorted" for a store where opposite orders deadlock (refused too, but at a second of deadlock
   * detection each).
   */
  readonly twoStreamOrder: "either" | "sorted"
  /** Refusals the store may answer each shape with; none listed means that shape must always commit. */
  readonly refusals?: {
    readonly twoStreams?: ReadonlyArray<Refusal>
    readonly writeFirst?: ReadonlyArray<Refusal>
  }
  /**
   * What shows that transactions really overlapped: some append committed after one that took a
   * higher position ("positions", a store that numbers events before commit, so readers meet gaps), or
   * some transaction committed before one that started earlier ("starts", a store that numbers at
   * commit); "none" for a database of one session, where transactions cannot overlap.
   */
  readonly overlap: "positions" | "starts" | "none"
}

// A small deterministic generator, so a failing run can be replayed.
const random = (seed: number) => {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

const isRefusal = (failure: unknown, allowed: ReadonlyArray<Refusal> = []): boolean =>
  allowed.some(
    (refusal) =>
      Predicate.isTagged(failure, refusal.tag) &&
      (refusal.saying === undefined || (failure instanceof Error && failure.message.includes(refusal.saying)))
  )

/** A commit: the order its transaction started in, and the position its first event took. */
interface Commit {
  readonly ticket: number
  readonly position: number
}

/** Some element comes after a larger one: the list is not in order. */
const outOfOrder = (values: ReadonlyArray<number>): boolean => {
  let max = Number.NEGATIVE_INFINITY
  for (const value of values) {
    if (value < max) return true
    max = Math.max(max, value)
  }
  return false
}

export const tortureSuite = <R, E>(
  name: string,
  storeLayer: Layer.Layer<EventStore | R, E>,
  options: TortureOptions<R>
): void => {
  const writers = options.writers ?? 8
  const { seconds } = options
  layer(storeLayer, { excludeTestServices: true, timeout: "300 seconds" })(`${name} torture`, (it) => {
    it.effect(
      "a restarted live subscriber sees every committed event once, in a stable global order",
      () =>
        Effect.gen(function* () {
          const store = yield* EventStore
          const prefix = `t${Date.now().toString(36)}`
          const tx = yield* options.transactions(prefix)
          const committed = yield* Ref.make<ReadonlyArray<string>>([])
          const commits: Array<Commit> = []
          const count = { rolledBack: 0, slow: 0, twoStreams: 0, writeFirst: 0 }
          const refused = { twoStreams: 0, writeFirst: 0 }
          let tickets = 0
          const deadline = (yield* Clock.currentTimeMillis) + seconds * 1000
          const record = (ticket: number, events: ReadonlyArray<EventEnvelope>) =>
            Effect.andThen(
              Ref.update(committed, (ids) => [...ids, ...events.map((e) => e.eventId)]),
              Effect.sync(() => commits.push({ ticket, position: events[0]?.position ?? 0 }))
            )
          // A refusal the store declared for the shape is counted; any other failure fails the test.
          const refusedOr = (shape: "twoStreams" | "writeFirst", failure: unknown) =>
            Effect.sync(() => {
              assert.isTrue(isRefusal(failure, options.refusals?.[shape]), `${shape}: ${String(failure)}`)
              refused[shape]++
            })

          const writer = (w: number) =>
            Effect.gen(function* () {
              const next = random(w + 1)
              for (let i = 0; (yield* Clock.currentTimeMillis) < deadline; i++) {
                const own = `${prefix}-own-${w}-${i % 4}`
                const shared = `${prefix}-shared-${i % 3}`
                const streamId = next() < 0.5 ? own : shared
                const size = 1 + Math.floor(next() * 3)
                const roll = next()
                const events = Array.from({ length: size }, (_, k) => ({ type: "Tick", data: { w, i, k } }))
                const ticket = tickets++
                if (roll < 0.12) {
                  count.rolledBack++
                  const failed = yield* Effect.flip(
                    store.append(streamId, events, { inline: () => Effect.fail("rollback" as const) })
                  )
                  assert.strictEqual(failed, "rollback")
                } else if (roll < 0.27) {
                  count.twoStreams++
                  const [first, second]: readonly [string, string] =
                    options.twoStreamOrder === "sorted"
                      ? own < shared
                        ? [own, shared]
                        : [shared, own]
                      : next() < 0.5
                        ? [own, shared]
                        : [shared, own]
                  const result = yield* Effect.result(
                    tx.transaction(Effect.all([store.append(first, events), store.append(second, events)]))
                  )
                  if (result._tag === "Success")
                    for (const r of result.success) yield* record(ticket, r.events)
                  else yield* refusedOr("twoStreams", result.failure)
                } else if (roll < 0.37) {
                  // Another table first, then the append.
                  count.writeFirst++
                  const result = yield* Effect.result(
                    tx.transaction(Effect.andThen(tx.writeOther(w, i), store.append(streamId, events)))
                  )
                  if (result._tag === "Success") yield* record(ticket, result.success.events)
                  else yield* refusedOr("writeFirst", result.failure)
                } else {
                  const hold = roll < 0.5 ? 20 + Math.floor(next() * 60) : 0
                  if (hold > 0) count.slow++
                  const result = yield* store.append(
                    streamId,
                    events,
                    hold > 0 ? { inline: () => Effect.sleep(`${hold} millis`) } : {}
                  )
                  yield* record(ticket, result.events)
                }
              }
            })

          const seen: Array<EventEnvelope> = []
          let checkpoint = yield* store.head
          const start = checkpoint
          let restarts = 0
          const writing = yield* Effect.forkChild(
            Effect.forEach(
              Array.from({ length: writers }, (_, w) => w),
              writer,
              { concurrency: "unbounded", discard: true }
            )
          )
          // Each round reads a few events live, stores its checkpoint, and stops.
          const round = (take: number) =>
            store.subscribeAll({ from: checkpoint }).pipe(
              Stream.filter((e) => e.streamId.startsWith(prefix)),
              Stream.take(take),
              Stream.runForEach((e) =>
                Effect.sync(() => {
                  seen.push(e)
                  checkpoint = e.checkpoint
                })
              ),
              Effect.timeoutOption("3 seconds")
            )
          while (true) {
            yield* round(15 + restarts * 7)
            restarts++
            if (writing.pollUnsafe() !== undefined && seen.length >= (yield* Ref.get(committed)).length) break
            if (restarts > 100_000) break
          }
          yield* Fiber.join(writing)

          const expected = yield* Ref.get(committed)
          yield* Effect.logInfo("torture", {
            seconds,
            committedEvents: expected.length,
            ...count,
            refused,
            restarts
          })
          // Every shape and many restarts were tried (a run too short to try them proves little).
          for (const [what, n] of Object.entries({ restarts, ...count })) assert.isAbove(n, 5, what)
          assert.strictEqual(seen.length, expected.length, "every committed event seen")
          assert.strictEqual(new Set(seen.map((e) => e.eventId)).size, seen.length, "no duplicate")
          assert.deepStrictEqual(
            new Set(seen.map((e) => e.eventId)),
            new Set(expected),
            "exactly the committed events"
          )
          const versions = new Map<string, number>()
          for (const e of seen) {
            assert.strictEqual(e.streamVersion, (versions.get(e.streamId) ?? 0) + 1, `order of ${e.streamId}`)
            versions.set(e.streamId, e.streamVersion)
          }
          // Transactions overlapped, yet no reader skipped or reordered an event.
          if (options.overlap === "positions")
            assert.isTrue(
              outOfOrder(commits.map((c) => c.position)),
              "some appends committed out of position order"
            )
          if (options.overlap === "starts")
            assert.isTrue(
              outOfOrder(commits.map((c) => c.ticket)),
              "some transactions committed out of the order they started"
            )
          const again = (yield* store.readAll({ from: start, limit: 100_000 })).filter((e) =>
            e.streamId.startsWith(prefix)
          )
          assert.deepStrictEqual(
            again.map((e) => e.eventId),
            seen.map((e) => e.eventId),
            "the global order never changes between reads"
          )
          assert.isTrue(Checkpoint.isAfter(checkpoint, start))
        }),
      300_000
    )
  })
}
