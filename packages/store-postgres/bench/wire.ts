/**
 * Round trips and bytes per operation, Cello against raw `pg`, each on one connection whose socket
 * is counted: bytes written and read, and round trips (a write after the server last answered).
 * Sequential, so the counts are exact and do not depend on the machine's load.
 */

import { randomUUID } from "node:crypto"
import net from "node:net"
import { Aggregate, Checkpoint, EventStore, type NewEvent, Repository } from "@cello/eventsourcing"
import { Saga, SagaOrchestrator } from "@cello/saga"
import { PgDatabase, PgStore, PgStoreConfig } from "@cello/store-postgres"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import pg from "pg"
import {
  admin,
  createRawSchema,
  dropSchema,
  freshSchema,
  markdownTable,
  qualified,
  quietLogs,
  type ScenarioResult,
  url
} from "./harness.js"

/** A socket that counts round trips: a write after the server last answered starts one. */
class CountedSocket extends net.Socket {
  trips = 0
  private answered = true
  constructor() {
    super()
    this.on("data", () => {
      this.answered = true
    })
  }
  private flight(): void {
    if (this.answered) this.trips++
    this.answered = false
  }
  // Below write(): one call per flush, whether the driver corks its messages (pg) or not (sql-pg).
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.flight()
    super._write(chunk, encoding, callback)
  }
  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void
  ): void {
    this.flight()
    super._writev?.(chunks, callback)
  }
  get sample(): Traffic {
    return { trips: this.trips, out: this.bytesWritten, in: this.bytesRead }
  }
}

interface Traffic {
  readonly trips: number
  readonly out: number
  readonly in: number
}

const perOp = async (
  sockets: ReadonlyArray<CountedSocket>,
  times: number,
  op: () => Promise<unknown>
): Promise<Traffic> => {
  const sum = () =>
    sockets.reduce(
      (a, s) => ({ trips: a.trips + s.sample.trips, out: a.out + s.sample.out, in: a.in + s.sample.in }),
      { trips: 0, out: 0, in: 0 }
    )
  await op() // warm: prepared statements, first-use queries
  const before = sum()
  for (let i = 0; i < times; i++) await op()
  const after = sum()
  return {
    trips: (after.trips - before.trips) / times,
    out: (after.out - before.out) / times,
    in: (after.in - before.in) / times
  }
}

class Deposited extends Schema.TaggedClass<Deposited>()("Deposited", { amount: Schema.Number }) {}
const Account = Aggregate.make<{ readonly balance: number }>()({
  name: "WireAccount",
  initialState: { balance: 0 },
  events: [Deposited],
  evolve: { Deposited: (s, e) => ({ balance: s.balance + e.amount }) }
})
const Order = Schema.Struct({ orderId: Schema.String, steps: Schema.Number })
const noop = (name: string): Saga.Step<typeof Order.Type> => ({
  name,
  action: (ctx) => Effect.succeed({ ...ctx, steps: ctx.steps + 1 })
})
const NoopSaga = Saga.make({
  name: "wire",
  context: Order,
  steps: [noop("reserve"), noop("charge"), noop("ship"), noop("confirm")]
})

export const run = async (): Promise<ScenarioResult> => {
  const rawSchema = freshSchema("wire_raw")
  const celloSchema = freshSchema("wire_cello")
  await createRawSchema(rawSchema)
  await admin(
    `CREATE TABLE ${qualified(rawSchema, "sagas")} (id text PRIMARY KEY, name text NOT NULL, status text NOT NULL, context jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`
  )
  await admin(
    `CREATE TABLE ${qualified(rawSchema, "saga_steps")} (saga_id text NOT NULL, step text NOT NULL, status text NOT NULL, PRIMARY KEY (saga_id, step))`
  )
  const target = new URL(url)
  const celloSockets: Array<CountedSocket> = []
  const config = PgStoreConfig.make({ url, schema: celloSchema, poolSize: 1 })
  const client = PgClient.layerFrom(
    PgClient.make({
      url: config.url,
      maxConnections: 1,
      ssl: false,
      stream: () => {
        const socket = new CountedSocket()
        socket.connect(Number(target.port || 5432), target.hostname)
        celloSockets.push(socket)
        return socket
      }
    })
  )
  const runtime = ManagedRuntime.make(
    SagaOrchestrator.layer().pipe(
      Layer.provideMerge(PgStore.layerFromDatabase),
      Layer.provideMerge(Layer.effect(PgDatabase.PgDatabase, PgDatabase.make(config))),
      Layer.provideMerge(client),
      Layer.provideMerge(quietLogs)
    )
  )
  const rawSockets: Array<CountedSocket> = []
  const raw = new pg.Client({
    connectionString: url,
    stream: () => {
      const socket = new CountedSocket()
      rawSockets.push(socket)
      return socket
    }
  })
  try {
    await runtime.context()
    await raw.connect()
    const events = qualified(rawSchema, "events")
    let n = 0
    const payload = () => ({ amount: n % 100, currency: "EUR", note: `deposit #${n++}` })
    const rows: Array<{ readonly op: string; readonly cello: Traffic; readonly raw: Traffic }> = []

    // 1. One event, expected version checked.
    let celloVersion = 0
    let rawVersion = 0
    rows.push({
      op: "append 1 event",
      cello: await perOp(celloSockets, 100, () =>
        runtime
          .runPromise(
            EventStore.append("w-single", [{ type: "Deposited", data: payload() }], {
              expectedVersion: celloVersion
            })
          )
          .then((r) => {
            celloVersion = r.nextExpectedVersion
          })
      ),
      raw: await perOp(rawSockets, 100, () =>
        raw.query(
          `INSERT INTO ${events} (stream_id, stream_version, event_id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6) RETURNING position`,
          ["w-single", ++rawVersion, randomUUID(), "Deposited", JSON.stringify(payload()), "{}"]
        )
      )
    })
    // 2. 100 events.
    const hundred = Array.from({ length: 100 }, (_, i) => i)
    const placeholders = hundred
      .map(
        (i) => `($${i * 6 + 1}, $${i * 6 + 2}, $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`
      )
      .join(", ")
    rows.push({
      op: "append 100 events",
      cello: await perOp(celloSockets, 20, () =>
        runtime.runPromise(
          EventStore.append(
            "w-batch",
            hundred.map((): NewEvent => ({ type: "Deposited", data: payload() }))
          )
        )
      ),
      raw: await perOp(rawSockets, 20, () =>
        raw
          .query(
            `INSERT INTO ${events} (stream_id, stream_version, event_id, type, data, metadata) VALUES ${placeholders} RETURNING position`,
            hundred.flatMap((i) => [
              `w-batch`,
              rawVersion + 1 + i,
              randomUUID(),
              "Deposited",
              JSON.stringify(payload()),
              "{}"
            ])
          )
          .then(() => {
            rawVersion += 100
          })
      )
    })
    // Same streams on both sides for reads: 1,000 events.
    for (let s = 0; s < 10; s++) {
      await runtime.runPromise(
        EventStore.append(
          "WireAccount-a",
          hundred.map((): NewEvent => ({ type: "Deposited", data: { amount: 1 } }))
        )
      )
      await raw.query(
        `INSERT INTO ${events} (stream_id, stream_version, event_id, type, data, metadata) VALUES ${placeholders}`,
        hundred.flatMap((i) => [
          `WireAccount-a`,
          s * 100 + i + 1,
          randomUUID(),
          "Deposited",
          JSON.stringify({ amount: 1 }),
          "{}"
        ])
      )
    }
    rows.push({
      op: "load a 1,000-event stream",
      cello: await perOp(celloSockets, 10, () => runtime.runPromise(Repository.load(Account, "a"))),
      raw: await perOp(rawSockets, 10, () =>
        raw.query(
          `SELECT stream_version, type, data, metadata FROM ${events} WHERE stream_id = $1 ORDER BY stream_version`,
          ["WireAccount-a"]
        )
      )
    })
    rows.push({
      op: "read a page of 500 (global order)",
      cello: await perOp(celloSockets, 10, () =>
        runtime.runPromise(EventStore.readAll({ from: Checkpoint.start, limit: 500 }))
      ),
      raw: await perOp(rawSockets, 10, () =>
        raw.query(
          `SELECT position, event_id, stream_id, stream_version, type, data, metadata FROM ${events} WHERE position > $1 ORDER BY position LIMIT 500`,
          ["0"]
        )
      )
    })
    rows.push({
      op: "4-step saga",
      cello: await perOp(celloSockets, 20, () =>
        runtime.runPromise(SagaOrchestrator.execute(NoopSaga, { orderId: "o", steps: 0 }))
      ),
      raw: await perOp(rawSockets, 20, async () => {
        const id = randomUUID()
        await raw.query(
          `INSERT INTO ${qualified(rawSchema, "sagas")} (id, name, status, context) VALUES ($1, 'wire', 'running', $2)`,
          [id, JSON.stringify({ orderId: "o", steps: 0 })]
        )
        for (const step of ["reserve", "charge", "ship", "confirm"])
          await raw.query(
            `INSERT INTO ${qualified(rawSchema, "saga_steps")} (saga_id, step, status) VALUES ($1, $2, 'completed')`,
            [id, step]
          )
        await raw.query(
          `UPDATE ${qualified(rawSchema, "sagas")} SET status = 'completed', updated_at = now() WHERE id = $1`,
          [id]
        )
      })
    })
    const f = (x: number) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1))
    return {
      rows: [],
      notes: [
        "Round trips and bytes per operation (one connection each, sequential; Cello's coalesced NOTIFY after appends included):\n\n" +
          markdownTable(
            [
              "Operation",
              "Cello round trips",
              "raw round trips",
              "Cello bytes out / in",
              "raw bytes out / in"
            ],
            ["l", "r", "r", "r", "r"],
            rows.map((r) => [
              r.op,
              f(r.cello.trips),
              f(r.raw.trips),
              `${f(r.cello.out)} / ${f(r.cello.in)}`,
              `${f(r.raw.out)} / ${f(r.raw.in)}`
            ])
          )
      ]
    }
  } finally {
    await raw.end()
    await runtime.dispose()
    await dropSchema(rawSchema)
    await dropSchema(celloSchema)
  }
}
