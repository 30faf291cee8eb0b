/**
 * Scenario 1: single-event appends, 8 concurrent writers, each on its own streams, each append
 * expecting the version that writer last saw. Cello: `EventStore.append`; raw: one single-row
 * INSERT whose primary key (stream_id, stream_version) plays the optimistic-concurrency check.
 */
import { randomUUID } from "node:crypto"
import { EventStore } from "@cello/eventsourcing"
import { Effect, Layer, ManagedRuntime } from "effect"
import { PgStore } from "../src/index.js"
import {
  checkpoint,
  compare,
  createRawSchema,
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

const writers = 8
const streamsPerWriter = 16
const timing: Timing = { warmupMs: 1_000, durationMs: 5_000, rounds: 4, concurrency: writers }

/** Round-robin over a writer's own streams, remembering the version it last saw of each. */
class Writer {
  private next = 0
  private readonly versions: Array<number>
  constructor(readonly worker: number) {
    this.versions = Array.from({ length: streamsPerWriter }, () => 0)
  }
  take(): { readonly slot: number; readonly streamId: string; readonly version: number } {
    const slot = this.next
    this.next = (this.next + 1) % streamsPerWriter
    return { slot, streamId: `account-w${this.worker}-s${slot}`, version: this.versions[slot] ?? 0 }
  }
  saw(slot: number, version: number): void {
    this.versions[slot] = version
  }
}

const payload = (n: number) => ({ amount: n % 100, currency: "EUR", note: `deposit #${n}` })

export const run = async (): Promise<ScenarioResult> => {
  const rawSchema = freshSchema("append_raw")
  const celloSchema = freshSchema("append_cello")
  await createRawSchema(rawSchema)
  const pool = rawPool()
  const runtime = ManagedRuntime.make(
    PgStore.layer({ url, schema: celloSchema, poolSize }).pipe(Layer.provideMerge(quietLogs))
  )
  try {
    await runtime.context() // the pool and the migrations: never timed
    const text = `INSERT INTO ${qualified(rawSchema, "events")} (stream_id, stream_version, event_id, type, data, metadata)
      VALUES ($1, $2, $3, $4, $5, $6) RETURNING position`
    const rawWriters = Array.from({ length: writers }, (_, w) => new Writer(w))
    const celloWriters = Array.from({ length: writers }, (_, w) => new Writer(w))
    let n = 0
    const raw = promiseRunner(async (worker) => {
      const writer = rawWriters[worker] ?? new Writer(worker)
      const { slot, streamId, version } = writer.take()
      await pool.query(text, [
        streamId,
        version + 1,
        randomUUID(),
        "Deposited",
        JSON.stringify(payload(n++)),
        "{}"
      ])
      writer.saw(slot, version + 1)
      return 1
    })
    const cello = effectRunner(runtime, (worker) =>
      Effect.gen(function* () {
        const writer = celloWriters[worker] ?? new Writer(worker)
        const { slot, streamId, version } = writer.take()
        const appended = yield* EventStore.append(streamId, [{ type: "Deposited", data: payload(n++) }], {
          expectedVersion: version
        })
        writer.saw(slot, appended.nextExpectedVersion)
        return 1
      })
    )
    const result = await compare(timing, raw, cello, checkpoint)
    return {
      rows: [
        {
          scenario: `1. Single-event append, ${writers} writers`,
          unit: "appends/s",
          cello: perSecond(result.cello),
          raw: perSecond(result.raw),
          target: 0.8
        }
      ],
      notes: []
    }
  } finally {
    await runtime.dispose()
    await pool.end()
    await dropSchema(rawSchema)
    await dropSchema(celloSchema)
  }
}
