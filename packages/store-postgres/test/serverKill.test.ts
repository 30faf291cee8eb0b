/**
 * The server itself SIGKILLed and restarted, three times, under load: writers appending with expected
 * versions, a live `subscribeAll` subscriber and an async projection writing SQL into its own table.
 * Afterwards every acknowledged event is stored and applied exactly once, the projection caught up
 * without being restarted, the subscriber (resubscribed from its last checkpoint after each typed
 * `StoreUnavailable`) saw the global order exactly once, and every failure anyone saw was typed.
 * The server is this test's own (initdb in a temp dir, a free port): the shared one is never touched.
 */
import { randomUUID } from "node:crypto"
import { Checkpoint, CheckpointStore, EventStore, Projection, ProjectionRunner } from "@cello/eventsourcing"
import { assert, describe, it } from "@effect/vitest"
import { Cause, DateTime, Effect, Exit, Fiber, Option, Schema, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll } from "vitest"
import { PgStore } from "../src/index.js"
import { type PostgresServer, startPostgresServer, unavailableReason } from "./fixtures/serverKillPostgres.js"
import { mode } from "./testDatabase.js"

class Deposited extends Schema.TaggedClass<Deposited>()("Deposited", { amount: Schema.Int }) {}

const streams = ["acct-a", "acct-b", "acct-c"]
const writersPerStream = 2
const kills = 3

/** What the causes of failures were: the tag of each typed failure, "Die"/"Interrupt" otherwise. */
const reasonsOf = (cause: Cause.Cause<unknown>): ReadonlyArray<string> =>
  cause.reasons.map((reason) =>
    Cause.isFailReason(reason)
      ? typeof reason.error === "object" && reason.error !== null && "_tag" in reason.error
        ? String(reason.error._tag)
        : `Fail(${String(reason.error)})`
      : reason._tag
  )

/** How a list of event ids differs from the log's (at most 5 ids of each kind, to keep reports short). */
const compare = (ids: ReadonlyArray<string>, log: ReadonlyArray<string>) => {
  const counts = new Map<string, number>()
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1)
  const inLog = new Set(log)
  return {
    repeated: [...counts]
      .filter(([, n]) => n > 1)
      .map(([id, n]) => `${id} ×${n}`)
      .slice(0, 5),
    missing: log.filter((id) => !counts.has(id)).slice(0, 5),
    foreign: [...counts.keys()].filter((id) => !inLog.has(id)).slice(0, 5)
  }
}

/** Polls until `check` holds: a hang guard (30 s on a loaded machine), not a timing. */
// Up to a minute: after the kills a runner may be in its reconnect backoff, and CI's other suites
// share the two cores (30 s once ran out under a load average of 6 to 10).
const eventually = <A, E, R>(read: Effect.Effect<A, E, R>, check: (a: A) => boolean, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 600; i++) {
      const value = yield* Effect.option(read)
      if (Option.isSome(value) && check(value.value)) return value.value
      yield* Effect.sleep("100 millis")
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

interface Sent {
  readonly stream: string
  readonly amount: number
}

/** Everything the writers learned about their appends, by event id. */
const ledger = {
  acknowledged: new Map<string, Sent>(),
  /** Refused with ConcurrencyError: an append that conflicts writes nothing. */
  refused: new Set<string>(),
  /** Every try failed with StoreUnavailable: may or may not be stored, but at most once. */
  ambiguous: new Map<string, Sent>(),
  /** Appends answered StoreUnavailable at first and settled by re-sending the same event ids. */
  resent: 0,
  /** Of those, the ones whose first try had committed although it answered StoreUnavailable. */
  committedDespiteOutage: 0,
  /** StoreUnavailable answers to appends. */
  appendOutages: 0,
  /** StoreUnavailable answers to anything a writer asked (appends and version reads). */
  outages: 0,
  /** Failures that were neither StoreUnavailable nor ConcurrencyError (defects above all). */
  untyped: [] as Array<string>
}

/** Re-sends the same events (same ids, same expected version) until the answer is definite. */
const appendSettled = (
  stream: string,
  events: ReadonlyArray<{ eventId: string; amount: number }>,
  expected: number
) =>
  Effect.gen(function* () {
    let firstOutage: number | undefined
    for (let attempt = 0; attempt < 300; attempt++) {
      const exit = yield* Effect.exit(
        EventStore.append(
          stream,
          events.map((e) => ({ type: "Deposited", eventId: e.eventId, data: { amount: e.amount } })),
          { expectedVersion: expected }
        )
      )
      if (Exit.isSuccess(exit)) {
        if (attempt > 0) ledger.resent++
        // Stored before the first StoreUnavailable answer: the first try had committed after all, and
        // the re-send was answered with the stored events (same machine, so one clock).
        const storedAt = exit.value.events[0]?.timestamp
        if (
          firstOutage !== undefined &&
          storedAt !== undefined &&
          DateTime.toEpochMillis(storedAt) < firstOutage
        )
          ledger.committedDespiteOutage++
        for (const e of events) ledger.acknowledged.set(e.eventId, { stream, amount: e.amount })
        return
      }
      const reasons = reasonsOf(exit.cause)
      if (reasons.length === 1 && reasons[0] === "ConcurrencyError") {
        for (const e of events) ledger.refused.add(e.eventId)
        return
      }
      if (!reasons.every((r) => r === "StoreUnavailable")) {
        ledger.untyped.push(`append: ${String(exit.cause)}`)
        break
      }
      firstOutage ??= Date.now()
      ledger.appendOutages++
      ledger.outages++
      yield* Effect.sleep("100 millis")
    }
    for (const e of events) ledger.ambiguous.set(e.eventId, { stream, amount: e.amount })
  })

/** Appends 1–3 deposits at a time at the version it read, until told to stop. */
const writer = (stream: string, stopped: () => boolean) =>
  Effect.gen(function* () {
    for (let n = 0; !stopped(); n++) {
      const version = yield* Effect.exit(EventStore.streamVersion(stream))
      if (Exit.isFailure(version)) {
        const reasons = reasonsOf(version.cause)
        if (!reasons.every((r) => r === "StoreUnavailable"))
          ledger.untyped.push(`streamVersion: ${String(version.cause)}`)
        else ledger.outages++
        yield* Effect.sleep("100 millis")
        continue
      }
      const events = Array.from({ length: 1 + (n % 3) }, () => ({
        eventId: randomUUID(),
        amount: 1 + Math.floor(Math.random() * 100)
      }))
      yield* appendSettled(stream, events, version.value)
      yield* Effect.sleep("10 millis")
    }
  })

/** The subscriber's view: what it was delivered, and how each subscription ended. */
const subscriber = {
  delivered: [] as Array<{ eventId: string; streamId: string; version: number }>,
  last: Checkpoint.start,
  outages: 0,
  untyped: [] as Array<string>
}

/**
 * Follows `subscribeAll`; when it ends with a typed StoreUnavailable (the store's answer to a lost
 * connection), subscribes again from the checkpoint of the last event it was delivered.
 */
const subscribe = Effect.gen(function* () {
  for (;;) {
    const exit = yield* Effect.exit(
      EventStore.subscribeAll({ from: subscriber.last }).pipe(
        Stream.runForEach((e) =>
          Effect.sync(() => {
            subscriber.delivered.push({ eventId: e.eventId, streamId: e.streamId, version: e.streamVersion })
            subscriber.last = e.checkpoint
          })
        )
      )
    )
    const reasons = Exit.isFailure(exit) ? reasonsOf(exit.cause) : ["ended"]
    if (!reasons.every((r) => r === "StoreUnavailable")) {
      subscriber.untyped.push(Exit.isFailure(exit) ? String(exit.cause) : "the endless stream ended")
      return
    }
    subscriber.outages++
    yield* Effect.sleep("100 millis")
  }
})

/** Applies each deposit with SQL in the page's transaction: exactly once through the atomic checkpoint. */
const ledgerProjection = Projection.make({
  name: "server-kill-ledger",
  events: [Deposited],
  handlers: {
    Deposited: (e, envelope) =>
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.unsafe("INSERT INTO applied (event_id, stream_id, version, amount) VALUES ($1, $2, $3, $4)", [
          envelope.eventId,
          envelope.streamId,
          envelope.streamVersion,
          e.amount
        ])
      )
  }
})

/** The whole log, read in pages after the load (a hang guard retries a read the restart broke). */
const readEverything = Effect.gen(function* () {
  const all: Array<{ eventId: string; streamId: string; version: number; amount: number }> = []
  let from = Checkpoint.start
  for (;;) {
    const page = yield* EventStore.readAll({ from, limit: 1000 })
    for (const e of page) {
      const data = yield* Schema.decodeUnknownEffect(Schema.Struct({ amount: Schema.Int }))(e.data)
      all.push({ eventId: e.eventId, streamId: e.streamId, version: e.streamVersion, amount: data.amount })
    }
    const last = page.at(-1)
    if (last === undefined) return all
    from = last.checkpoint
  }
})

const underLoad = (server: PostgresServer) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe(
      "CREATE TABLE applied (event_id uuid NOT NULL, stream_id text NOT NULL, version int NOT NULL, amount int NOT NULL)"
    )
    let stopped = false
    const runner = yield* Effect.forkChild(
      ProjectionRunner.run(ledgerProjection, {
        owner: "server-kill",
        leaseDuration: "3 seconds",
        retryDelay: "50 millis",
        maxRetryDelay: "500 millis",
        batchSize: 50
      })
    )
    const following = yield* Effect.forkChild(subscribe)
    const writers = yield* Effect.forkChild(
      Effect.forEach(
        streams.flatMap((s) => Array.from({ length: writersPerStream }, () => s)),
        (s) => writer(s, () => stopped),
        { concurrency: "unbounded", discard: true }
      )
    )
    // Each round: wait until the writers have made progress since the last restart, then SIGKILL the
    // server, leave it down a moment, start it again on the same data dir and port. The second kill
    // takes the backends with it (mid-statement, mid-commit); the others the postmaster alone.
    const progress = () => ledger.acknowledged.size
    for (let round = 0; round <= kills; round++) {
      const before = progress()
      yield* Effect.sleep("1 second")
      yield* eventually(
        Effect.sync(progress),
        (n) => n >= before + 20,
        `writers to progress in round ${round}`
      )
      if (round === kills) break
      yield* Effect.promise(() => server.kill({ backends: round === 1 }))
      yield* Effect.sleep("500 millis")
      yield* Effect.promise(() => server.start())
    }
    stopped = true
    yield* Fiber.join(writers).pipe(
      Effect.timeoutOrElse({
        duration: "30 seconds",
        orElse: () => Effect.die(new Error("the writers did not stop"))
      })
    )

    // Everything the writers learned is settled now; the readers catch up to the head.
    const head = yield* eventually(EventStore.head, () => true, "the head")
    const checkpoints = yield* CheckpointStore.CheckpointStore
    // (Or to end: the assertions below then say how.)
    yield* eventually(
      checkpoints.load(ledgerProjection.name),
      (at) => runner.pollUnsafe() !== undefined || (Option.isSome(at) && Checkpoint.equals(at.value, head)),
      "the projection to reach the head"
    )
    yield* eventually(
      Effect.sync(() => subscriber.last),
      (last) => subscriber.untyped.length > 0 || Checkpoint.equals(last, head),
      "the subscriber to reach the head"
    )
    const stored = yield* eventually(readEverything, () => true, "reading the log")
    const applied = yield* eventually(
      sql.unsafe<{ event_id: string; stream_id: string; version: number; amount: number }>(
        "SELECT event_id::text, stream_id, version, amount FROM applied"
      ),
      () => true,
      "reading the projection's table"
    )
    yield* Effect.logInfo(
      `server kill test: ${kills} kills; ${ledger.acknowledged.size} events acknowledged ` +
        `(${ledger.resent} appends settled by re-sending after StoreUnavailable, ${ledger.committedDespiteOutage} of them had committed), ${ledger.refused.size} refused ` +
        `by ConcurrencyError, ${ledger.ambiguous.size} ambiguous, ${ledger.outages} StoreUnavailable answers to writers (${ledger.appendOutages} to appends); ` +
        `${stored.length} stored; subscriber resubscribed ${subscriber.outages} times`
    )

    // The kills hit the writers (they wrote on through every outage), and every failure was typed:
    // no defect reached a writer or the subscriber.
    assert.isAbove(ledger.outages, 0, "no writer noticed the server going away")
    assert.deepStrictEqual(ledger.untyped, [], "writers saw untyped failures")
    assert.deepStrictEqual(subscriber.untyped, [], "the subscription ended other than with StoreUnavailable")
    // The projection was never restarted: the same fiber is still running.
    assert.isUndefined(runner.pollUnsafe(), `the projection runner ended: ${String(runner.pollUnsafe())}`)

    // The store: every acknowledged event once, nothing refused, an ambiguous one at most once.
    const storedIds = new Map(stored.map((e) => [e.eventId, e]))
    assert.strictEqual(storedIds.size, stored.length, "an event id is stored twice")
    for (const [id, sent] of ledger.acknowledged) {
      const found = storedIds.get(id)
      assert.deepStrictEqual(
        found === undefined ? undefined : { stream: found.streamId, amount: found.amount },
        sent,
        `acknowledged event ${id} is not stored as sent`
      )
    }
    for (const id of ledger.refused) assert.isFalse(storedIds.has(id), `refused event ${id} is stored`)
    for (const e of stored)
      assert.isTrue(
        ledger.acknowledged.has(e.eventId) || ledger.ambiguous.has(e.eventId),
        `stored event ${e.eventId} was never sent or was refused`
      )
    // Streams stay gap-free: versions 1..n.
    for (const stream of streams) {
      const versions = stored.filter((e) => e.streamId === stream).map((e) => e.version)
      assert.deepStrictEqual(
        versions,
        Array.from({ length: versions.length }, (_, i) => i + 1),
        `${stream} in version order, gap-free`
      )
    }

    // The projection applied exactly the stored events, each once (same count and sum per stream).
    assert.deepStrictEqual(
      compare(
        applied.map((row) => row.event_id),
        stored.map((e) => e.eventId)
      ),
      { repeated: [], missing: [], foreign: [] },
      "the projection's table against the log"
    )
    const totals = (rows: ReadonlyArray<{ stream_id: string; amount: number }>) =>
      streams.map((s) => {
        const of = rows.filter((r) => r.stream_id === s)
        return { stream: s, count: of.length, sum: of.reduce((sum, r) => sum + r.amount, 0) }
      })
    assert.deepStrictEqual(
      totals(applied),
      totals(stored.map((e) => ({ stream_id: e.streamId, amount: e.amount })))
    )

    // The subscriber saw the log exactly: every event once, in the global (so per-stream) order.
    const delivered = subscriber.delivered.map((e) => e.eventId)
    assert.deepStrictEqual(
      compare(
        delivered,
        stored.map((e) => e.eventId)
      ),
      { repeated: [], missing: [], foreign: [] },
      "the subscriber's deliveries against the log"
    )
    const differsAt = delivered.findIndex((id, i) => stored[i]?.eventId !== id)
    assert.strictEqual(differsAt, -1, "the subscriber's deliveries are in another order than the log")

    yield* Fiber.interrupt(following)
    yield* Fiber.interrupt(runner)
  })

// Disposed by the test's finalizer; this is the backstop if the test itself is torn down.
let running: PostgresServer | undefined
afterAll(() => running?.dispose())

describe("PostgreSQL server SIGKILLed and restarted under load", () => {
  it.live(
    `${kills} kills: every acknowledged event stored and applied once, readers caught up, failures typed`,
    () =>
      Effect.gen(function* () {
        const missing =
          mode !== "postgres"
            ? "the store tests run on PGlite (CELLO_TEST_PGLITE or no server)"
            : unavailableReason()
        if (missing !== undefined)
          return yield* Effect.logWarning(
            `server kill test needs its own PostgreSQL server: ${missing}; ran nothing`
          )
        const server = yield* Effect.acquireRelease(
          Effect.promise(async () => {
            running = await startPostgresServer()
            return running
          }),
          (s) => Effect.promise(() => s.dispose())
        )
        yield* underLoad(server).pipe(
          Effect.provide(
            PgStore.layer({
              url: server.url,
              poolSize: 10,
              pollInterval: "100 millis",
              connectTimeout: "2 seconds"
            })
          )
        )
      }),
    180_000
  )
})
