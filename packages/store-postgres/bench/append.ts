/**
 * Scenario 1: single-event appends, 8 concurrent writers, each on its own streams, each append
 * expecting the version that writer last saw. Cello: `EventStore.append`; raw: one single-row
 * INSERT whose primary key (stream_id, stream_version) plays the optimistic-concurrency check.
 */
import { randomUUID } from "node:crypto"
import { EventStore } from "@cello/eventsourcing"
import { PgStore } from "@cello/store-postgres"
import { Effect, Layer, ManagedRuntime } from "effect"
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
const cpuRounds = 5
const cpuAppends = 1000

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

    // Node CPU per append, one writer, the sides taking turns: unlike the rates above, it does not
    // count the server's work or the time other jobs on a shared machine take from this process.
    const cpu = { raw: 0, cello: 0 }
    const rawCpuWriter = new Writer(writers)
    const celloCpuWriter = new Writer(writers)
    const celloSequence = Effect.gen(function* () {
      for (let i = 0; i < cpuAppends; i++) {
        const { slot, streamId, version } = celloCpuWriter.take()
        const appended = yield* EventStore.append(streamId, [{ type: "Deposited", data: payload(n++) }], {
          expectedVersion: version
        })
        celloCpuWriter.saw(slot, appended.nextExpectedVersion)
      }
    })
    for (let round = 0; round <= cpuRounds; round++) {
      let before = process.cpuUsage()
      for (let i = 0; i < cpuAppends; i++) {
        const { slot, streamId, version } = rawCpuWriter.take()
        await pool.query(text, [
          streamId,
          version + 1,
          randomUUID(),
          "Deposited",
          JSON.stringify(payload(n++)),
          "{}"
        ])
        rawCpuWriter.saw(slot, version + 1)
      }
      let used = process.cpuUsage(before)
      // Round 0 warms both sides up and is not counted.
      if (round > 0) cpu.raw += used.user + used.system
      before = process.cpuUsage()
      await runtime.runPromise(celloSequence)
      used = process.cpuUsage(before)
      if (round > 0) cpu.cello += used.user + used.system
    }
    const cpuMicros = (micros: number) => (micros / (cpuRounds * cpuAppends)).toFixed(0)
    const cpuNote = `Node CPU per single-event append (\`process.cpuUsage\`, one writer, ${cpuRounds} × ${cpuAppends} appends a side, taking turns): Cello ${cpuMicros(cpu.cello)} µs, raw ${cpuMicros(cpu.raw)} µs (${(cpu.cello / cpu.raw).toFixed(2)}×).`
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
      notes: [cpuNote]
    }
  } finally {
    await runtime.dispose()
    await pool.end()
    await dropSchema(rawSchema)
    await dropSchema(celloSchema)
  }
}
