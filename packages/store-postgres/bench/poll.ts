/**
 * Scenario 6: the check a live subscription makes when it is idle — `readAll` after the head, which
 * finds nothing — by 8 pollers. Cello reads below its per-store horizon (`read_horizon()`, migration
 * 0005: the appenders registered in `pg_locks`, their ids from `pg_stat_activity`); the raw side runs
 * the same statement on the same table with the horizon it replaced, the server-wide
 * `pg_snapshot_xmin`. The ratio is what the horizon (and the port) costs per poll.
 */
import { EventStore } from "@cello/eventsourcing"
import { PgStore } from "@cello/store-postgres"
import { Effect, Layer, ManagedRuntime } from "effect"
import {
  compare,
  dropSchema,
  effectRunner,
  freshSchema,
  perSecond,
  poolSize,
  promiseRunner,
  qualified,
  quietLogs,
  rawPool,
  type ScenarioResult,
  type Timing,
  url
} from "./harness.js"

const pollers = 8
const timing: Timing = { warmupMs: 1_000, durationMs: 4_000, rounds: 3, concurrency: pollers }

export const run = async (): Promise<ScenarioResult> => {
  const schema = freshSchema("poll")
  const pool = rawPool()
  const runtime = ManagedRuntime.make(
    PgStore.layer({ url, schema, poolSize }).pipe(Layer.provideMerge(quietLogs))
  )
  try {
    await runtime.context()
    await runtime.runPromise(
      Effect.forEach(
        Array.from({ length: 100 }, (_, s) => s),
        (s) =>
          EventStore.append(
            `poll-${s}`,
            Array.from({ length: 100 }, (_, n) => ({ type: "Tick", data: { n } }))
          ),
        { concurrency: 4, discard: true }
      )
    )
    const head = await runtime.runPromise(EventStore.head)
    const text = `SELECT position, event_id, stream_id, stream_version, type, data, metadata
      FROM ${qualified(schema, "events")}
      WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
        AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY transaction_id, position LIMIT 500`
    const raw = promiseRunner(async () => {
      await pool.query(text, [String(head.transaction), String(head.position)])
      return 1
    })
    const cello = effectRunner(runtime, () => Effect.as(EventStore.readAll({ from: head, limit: 500 }), 1))
    const result = await compare(timing, raw, cello)
    return {
      rows: [
        {
          scenario: "6. Idle poll at the head, 8 pollers (raw: server-wide horizon)",
          unit: "polls/s",
          cello: perSecond(result.cello),
          raw: perSecond(result.raw)
        }
      ],
      notes: []
    }
  } finally {
    await runtime.dispose()
    await pool.end()
    await dropSchema(schema)
  }
}
