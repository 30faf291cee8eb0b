/**
 * Scenario 7: what the current `append_events` costs an append on the server against the first one.
 * The same single-event appends by 8 writers, through raw `pg`, call `append_events` in a schema
 * migrated up to 0004 (the function before) and in one migrated to the end (0005: appender
 * registration, the order check, the event id look-up for idempotency; 0008: the short path of an
 * exact expected version), taking turns. Both sides skip Cello's client, so the ratio is the
 * function's.
 */
import { randomUUID } from "node:crypto"
import { Migrations, PgDatabase, PgStoreConfig } from "@cello/store-postgres"
import { Effect } from "effect"
import {
  checkpoint,
  compare,
  dropSchema,
  freshSchema,
  perSecond,
  promiseRunner,
  rawPool,
  type ScenarioResult,
  type Timing,
  url
} from "./harness.js"

const writers = 8
const streamsPerWriter = 16
const timing: Timing = { warmupMs: 1_000, durationMs: 6_000, rounds: 4, concurrency: writers }

const migrate = (schema: string, upTo: number) =>
  Effect.runPromise(
    Migrations.upTo(upTo).pipe(
      Effect.provide(PgDatabase.layer(PgStoreConfig.make({ url, schema, poolSize: 1 })))
    )
  )

export const run = async (): Promise<ScenarioResult> => {
  const before = freshSchema("fn0004")
  const after = freshSchema("fnlatest")
  await migrate(before, 4)
  await migrate(after, Number.POSITIVE_INFINITY)
  const pool = rawPool()
  try {
    const side = (schema: string) => {
      const versions = new Map<string, number>()
      let n = 0
      return promiseRunner(async (worker) => {
        const streamId = `account-w${worker}-s${n++ % streamsPerWriter}`
        const version = versions.get(streamId) ?? 0
        const events = JSON.stringify([
          {
            event_id: randomUUID(),
            type: "Deposited",
            schema_version: 1,
            data: { amount: n % 100 },
            metadata: {}
          }
        ])
        await pool.query(`SELECT * FROM "${schema}".append_events($1, $2, $3::jsonb)`, [
          streamId,
          version,
          events
        ])
        versions.set(streamId, version + 1)
        return 1
      })
    }
    const result = await compare(timing, side(before), side(after), checkpoint)
    return {
      rows: [
        {
          scenario: "7. append_events of 0008 against 0004, 8 writers (raw: 0004)",
          unit: "appends/s",
          cello: perSecond(result.cello),
          raw: perSecond(result.raw),
          target: 0.9
        }
      ],
      notes: []
    }
  } finally {
    await pool.end()
    await dropSchema(before)
    await dropSchema(after)
  }
}
