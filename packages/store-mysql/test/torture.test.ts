/**
 * Torture: 8 writers on own and shared streams for 15 seconds (`CELLO_TORTURE_SECONDS`), with every
 * transaction shape the API accepts: single appends, some held open by a slow inline step (so appends
 * started later wait and commit after, or start earlier and commit later), some rolled back,
 * two-stream transactions, and transactions that write another table before appending; meanwhile a
 * live subscriber is stopped and restarted from its checkpoint again and again. It must see exactly
 * the committed events, each once, in per-stream version order, in a global order that a later full
 * read repeats.
 */
import { Checkpoint, type EventEnvelope, EventStore } from "@cello/eventsourcing"
import { assert, layer } from "@effect/vitest"
import { Clock, Effect, Fiber, Ref, Stream } from "effect"
import { CompiledQuery } from "kysely"
import { MysqlDatabase } from "../src/index.js"
import { storeLayer } from "./testDatabase.js"

const writers = 8
const seconds = Number(process.env.CELLO_TORTURE_SECONDS ?? 15)

// A small deterministic generator, so a failing run can be replayed.
const random = (seed: number) => {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s / 2147483648
  }
}

layer(storeLayer("torture", { poolSize: 12 }), { excludeTestServices: true, timeout: "300 seconds" })(
  "MySQL torture",
  (it) => {
    it.effect(
      "a restarted live subscriber sees every committed event once, in a stable global order",
      () =>
        Effect.gen(function* () {
          const store = yield* EventStore.EventStore
          const database = yield* MysqlDatabase.MysqlDatabase
          const prefix = `t${Date.now().toString(36)}`
          const committed = yield* Ref.make<ReadonlyArray<string>>([])
          // Each transaction's start ticket, in the order they committed.
          const startedOrder: Array<number> = []
          let tickets = 0
          let rolledBack = 0
          let slow = 0
          let multiStream = 0
          let wroteFirst = 0

          const side = `\`${database.config.database}\`.side`
          yield* database.execute(CompiledQuery.raw(`CREATE TABLE ${side} (w INT, i INT) ENGINE=InnoDB`))
          const deadline = (yield* Clock.currentTimeMillis) + seconds * 1000
          const record = (ticket: number, events: ReadonlyArray<EventEnvelope>) =>
            Effect.andThen(
              Ref.update(committed, (ids) => [...ids, ...events.map((e) => e.eventId)]),
              Effect.sync(() => startedOrder.push(ticket))
            )

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
                  rolledBack++
                  const failed = yield* Effect.flip(
                    store.append(streamId, events, { inline: () => Effect.fail("rollback" as const) })
                  )
                  assert.strictEqual(failed, "rollback")
                } else if (roll < 0.27) {
                  // Two streams in one transaction, in either order.
                  multiStream++
                  const [first, second] = next() < 0.5 ? [own, shared] : [shared, own]
                  const results = yield* database.withTransaction(
                    Effect.all([store.append(first, events), store.append(second, events)])
                  )
                  for (const r of results) yield* record(ticket, r.events)
                } else if (roll < 0.37) {
                  // Another table first, then the append.
                  wroteFirst++
                  const result = yield* database.withTransaction(
                    Effect.andThen(
                      database.execute(CompiledQuery.raw(`INSERT INTO ${side} VALUES (?, ?)`, [w, i])),
                      store.append(streamId, events)
                    )
                  )
                  yield* record(ticket, result.events)
                } else {
                  const hold = roll < 0.5 ? 20 + Math.floor(next() * 60) : 0
                  if (hold > 0) slow++
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
            multiStream,
            wroteFirst,
            rolledBack,
            slow,
            restarts
          })
          assert.isAbove(restarts, 5)
          assert.isAbove(slow, 5)
          assert.isAbove(rolledBack, 5)
          assert.isAbove(multiStream, 5)
          assert.isAbove(wroteFirst, 5)
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
          // Transactions overlapped: some started before another one that committed first.
          const outOfStartOrder = startedOrder.some(
            (ticket, i) => i > 0 && ticket < Math.max(...startedOrder.slice(0, i))
          )
          assert.isTrue(outOfStartOrder, "some transactions committed out of the order they started")
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
  }
)
