/**
 * Append, with positions assigned in commit order. MySQL has no `pg_snapshot_xmin`: with an
 * AUTO_INCREMENT position, a transaction that took position 5 may commit after one that took 6, and
 * a reader polling `position > last` skips 5 for good. Here every append first bumps the single row
 * of `positions` (in the `cello_append` procedure, migration 0004), whose row lock it holds until it
 * commits or rolls back: the next appender gets its positions only after this one has ended. So the
 * committed events are always a gap-free prefix of the positions a reader can see, and `position >
 * last` never skips and never reorders a stream. The cost: appends are serialised from that UPDATE to
 * COMMIT (the rest of one CALL and any inline steps), measured in the README.
 */
import {
  Append,
  ConcurrencyError,
  type ExpectedVersion as EV,
  type EventEnvelope,
  type EventStore,
  InvalidAppendError,
  type StoreUnavailable
} from "@cello/eventsourcing"
import { Effect, Predicate } from "effect"
import { CompiledQuery, sql } from "kysely"
import { format } from "mysql2"
import { type EnvelopeRow, envelopeColumns, streamIdText, toEnvelope } from "./internal/envelope.js"
import type { MysqlDatabaseShape } from "./MysqlDatabase.js"
import * as MysqlError from "./MysqlError.js"

const currentVersion = (database: MysqlDatabaseShape, streamId: string) =>
  database
    .run(
      database.db
        .selectFrom("events")
        .select(sql<string>`COALESCE(MAX(stream_version), 0)`.as("version"))
        .where("stream_id", "=", streamId)
    )
    .pipe(Effect.map((rows) => Number(rows[0]?.version ?? 0)))

/** The procedure's code for an expected version: the version itself, -1 for any, -2 for "exists". */
const expectedCode = (expected: EV.ExpectedVersion): number =>
  expected === "any" ? -1 : expected === "stream_exists" ? -2 : expected === "no_stream" ? 0 : expected

interface Appended {
  readonly outcome: "appended" | "conflict" | "stored"
  readonly firstPosition: number
  readonly version: number
  readonly now: string
}

/** The one row `cello_append` answers (the driver gives a CALL's result sets, then its status). */
const callAnswer = (result: ReadonlyArray<unknown>): Appended => {
  const rows = result[0]
  const row: unknown = Array.isArray(rows) ? rows[0] : undefined
  const field = (name: string): unknown => (Predicate.hasProperty(row, name) ? row[name] : undefined)
  return {
    outcome:
      field("outcome") === "appended" ? "appended" : field("outcome") === "stored" ? "stored" : "conflict",
    firstPosition: Number(field("first_position") ?? 0),
    version: Number(field("version") ?? 0),
    now: String(field("now") ?? "")
  }
}

const matches = (expected: EV.ExpectedVersion, actual: number): boolean =>
  expected === "any"
    ? true
    : expected === "no_stream"
      ? actual === 0
      : expected === "stream_exists"
        ? actual > 0
        : expected === actual

const alreadyStored = (streamId: string, eventId: string) =>
  new InvalidAppendError({
    streamId,
    reason: `event id ${eventId} is already stored, in another stream or at other versions`
  })

/**
 * Some ids of the append are stored already: the same append sent again (all of them, in this
 * stream, at consecutive versions in this order) answers the original envelopes; anything else is
 * refused naming the first stored id.
 */
const resent = (
  streamId: string,
  prepared: ReadonlyArray<Append.PreparedEvent>,
  stored: ReadonlyArray<EnvelopeRow>
): Effect.Effect<ReadonlyArray<EventEnvelope>, InvalidAppendError> => {
  const byId = new Map(stored.map((row) => [row.event_id, row]))
  const first = byId.get(prepared[0]?.eventId ?? "")
  const rows = prepared.map((e) => byId.get(e.eventId))
  const same =
    first !== undefined &&
    rows.every(
      (row, i) =>
        row !== undefined &&
        streamIdText(row.stream_id) === streamId &&
        Number(row.stream_version) === Number(first.stream_version) + i
    )
  if (same) return Effect.succeed(rows.flatMap((row) => (row === undefined ? [] : [toEnvelope(row)])))
  const id = prepared.find((e) => byId.has(e.eventId))?.eventId ?? "of this append"
  return Effect.fail(alreadyStored(streamId, id))
}

const duplicateId = /Duplicate entry '([0-9a-f-]{36})' for key '(?:[^']*\.)?events_event_id'/

const mapAppendError =
  (database: MysqlDatabaseShape, streamId: string, expected: EV.ExpectedVersion) =>
  (
    error: MysqlError.MysqlError
  ): Effect.Effect<never, ConcurrencyError | InvalidAppendError | StoreUnavailable> => {
    // An id committed by another append since this one looked (a concurrent re-send, or a reuse).
    const duplicate = MysqlError.isDuplicateKey(error) ? duplicateId.exec(error.message) : null
    if (duplicate?.[1] !== undefined) return Effect.fail(alreadyStored(streamId, duplicate[1]))
    // Transactions appending and writing other rows in opposite orders: InnoDB undid one of them.
    if (MysqlError.isTransactionRolledBack(error))
      return Effect.fail(
        new ConcurrencyError({
          streamId,
          expected,
          actual: -1,
          reason: "deadlock with another transaction; the whole transaction was undone: retry it"
        })
      )
    return Effect.fail(database.unavailable("append")(error))
  }

export const appendToStream =
  (database: MysqlDatabaseShape, onCommit: Effect.Effect<void>): EventStore.EventStoreShape["append"] =>
  (streamId, events, options = {}) =>
    Effect.gen(function* () {
      const prepared = yield* Append.prepare(streamId, events, options)
      const expected = options.expectedVersion ?? "any"
      if (prepared.length === 0) {
        const actual = yield* currentVersion(database, streamId).pipe(
          Effect.mapError(database.unavailable("append"))
        )
        if (!matches(expected, actual)) return yield* new ConcurrencyError({ streamId, expected, actual })
        return { streamId, nextExpectedVersion: actual, events: [], checkpoint: undefined }
      }
      const { db, run } = database
      // The whole append is one CALL (migration 0004), sent as one statement: it must fit the
      // server's max_allowed_packet, checked before anything is sent.
      const batch = JSON.stringify(
        prepared.map((e) => ({
          i: e.eventId,
          t: e.type,
          v: e.schemaVersion,
          d: e.dataJson,
          m: e.metadataJson
        }))
      )
      const call = format(`CALL \`${database.config.database}\`.cello_append(?, ?, ?, ?)`, [
        streamId,
        expectedCode(expected),
        prepared.length,
        batch
      ])
      const bytes = Buffer.byteLength(call, "utf8")
      if (bytes > database.maxStatementBytes)
        return yield* new InvalidAppendError({
          streamId,
          reason: `the append is ${bytes} bytes as one statement; the server's max_allowed_packet is ${database.maxStatementBytes} bytes`
        })
      const envelopesAt = (at: Appended): ReadonlyArray<EventEnvelope> =>
        prepared.map((e, i) =>
          toEnvelope({
            position: String(at.firstPosition + i),
            event_id: e.eventId,
            stream_id: streamId,
            stream_version: String(at.version + i + 1),
            type: e.type,
            schema_version: e.schemaVersion,
            data: e.dataJson,
            metadata: e.metadataJson,
            created_at: at.now
          })
        )
      const write = Effect.gen(function* () {
        // Takes the position counter's row lock, held until this transaction ends (see above). When
        // one of the event ids is stored already it writes nothing (migration 0007).
        const answer = callAnswer(yield* run<unknown>(CompiledQuery.raw(call)))
        if (answer.outcome === "stored") {
          // A re-sent append (its first answer was lost) answers what it stored the first time.
          const stored = yield* run(
            db
              .selectFrom("events")
              .select(envelopeColumns)
              .where(
                "event_id",
                "in",
                prepared.map((e) => e.eventId)
              )
          )
          return yield* resent(streamId, prepared, stored)
        }
        if (answer.outcome !== "appended")
          return yield* new ConcurrencyError({ streamId, expected, actual: answer.version })
        if (options.inline === undefined) return answer
        // Inline steps run under the lock: they see the envelopes, and commit with them.
        const envelopes = envelopesAt(answer)
        yield* options.inline(envelopes)
        return envelopes
      })
      const written = yield* database
        .withTransaction(write)
        .pipe(
          Effect.catchIf(
            (error): error is MysqlError.MysqlError => error instanceof MysqlError.MysqlError,
            mapAppendError(database, streamId, expected)
          )
        )
      // Without inline steps, the envelopes are built after COMMIT, outside the lock.
      const envelopes = "outcome" in written ? envelopesAt(written) : written
      yield* onCommit
      return Append.resultOf(streamId, envelopes)
    })
