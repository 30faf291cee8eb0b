/**
 * Loading an aggregate of 10,000 events with `Repository.load`, without a snapshot and with one
 * (every 100 events). Raw: the stream's rows in version order from the same table, each payload
 * parsed and folded in plain JS. Also at 1,000 events, to show how load time grows with length.
 */
import { Aggregate, EventSourcingConfig, Repository } from "@cello/eventsourcing"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"
import { MysqlStore } from "../src/index.js"
import {
  effectRunner,
  freshDatabase,
  interleave,
  type Measurement,
  markdownTable,
  msPerStep,
  perSecond,
  poolSize,
  promiseRunner,
  rawPool,
  type ScenarioResult,
  selectRows,
  type Timing,
  url
} from "./harness.js"

const snapshotInterval = 100
const chunk = 100
const long = 10_000
const short = 1_000
const timing: Timing = { warmupMs: 500, durationMs: 4_000, rounds: 2, concurrency: 1 }
const cpuRounds = 5
const cpuLoads = 20

class Deposited extends Schema.TaggedClass<Deposited>()("Deposited", { amount: Schema.Number }) {}
class Withdrawn extends Schema.TaggedClass<Withdrawn>()("Withdrawn", { amount: Schema.Number }) {}
type AccountEvent = Deposited | Withdrawn

const AccountState = Schema.Struct({ balance: Schema.Number, operations: Schema.Number })
type AccountState = typeof AccountState.Type

const initialState: AccountState = { balance: 0, operations: 0 }
const apply = (s: AccountState, change: number): AccountState => ({
  balance: s.balance + change,
  operations: s.operations + 1
})
const evolve: Aggregate.Evolvers<AccountState, AccountEvent> = {
  Deposited: (s, e) => apply(s, e.amount),
  Withdrawn: (s, e) => apply(s, -e.amount)
}
const Account = Aggregate.make<AccountState>()({
  name: "Account",
  initialState,
  events: [Deposited, Withdrawn],
  evolve
})
const SnapshottedAccount = Aggregate.make<AccountState>()({
  name: "SnapshottedAccount",
  initialState,
  events: [Deposited, Withdrawn],
  evolve,
  snapshot: { schema: AccountState, version: 1 }
})

/** The n-th event of every stream: deposits, and a withdrawal every tenth. */
const eventAt = (n: number): AccountEvent =>
  n % 10 === 9 ? new Withdrawn({ amount: 5 }) : new Deposited({ amount: (n % 50) + 1 })

/** The balance a correct load of a stream of this length ends with (checked, never timed). */
const expected = (length: number): number => {
  let state = initialState
  for (let n = 0; n < length; n++) state = Aggregate.fold(Account, state, [eventAt(n)])
  return state.balance
}

interface RawRow {
  readonly stream_version: string
  readonly type: string
  readonly data: string
}

/** Builds a stream through `Repository.save`, `chunk` events a save, as an application would. */
const populate = (aggregate: typeof Account, length: number) =>
  Effect.gen(function* () {
    let loaded: Repository.Loaded<AccountState> = {
      id: `n${length}`,
      streamId: aggregate.streamId(`n${length}`),
      state: aggregate.initialState,
      version: 0
    }
    for (let from = 0; from < length; from += chunk)
      loaded = yield* Repository.save(
        aggregate,
        loaded,
        Array.from({ length: Math.min(chunk, length - from) }, (_, k) => eventAt(from + k))
      )
  })

export const run = async (): Promise<ScenarioResult> => {
  const warnings = new Set<string>()
  const database = freshDatabase("load")
  const pool = rawPool()
  const runtime = ManagedRuntime.make(
    MysqlStore.layer({ url: url.toString(), database, poolSize }).pipe(
      Layer.provideMerge(EventSourcingConfig.layer({ snapshotInterval }))
    )
  )
  try {
    await runtime.runPromise(
      Effect.forEach(
        [Account, SnapshottedAccount].flatMap((aggregate) =>
          [long, short].map((n) => populate(aggregate, n))
        ),
        (effect) => effect,
        { discard: true }
      )
    )
    await pool.query(`ANALYZE TABLE \`${database}\`.events`)
    const balances = new Map([long, short].map((n) => [n, expected(n)]))
    const check = (who: string, length: number, version: number, balance: number) => {
      if (version !== length || balance !== balances.get(length))
        warnings.add(`${who} load of ${length} events gave version ${version}, balance ${balance}`)
    }
    const text = `SELECT stream_version, type, data FROM \`${database}\`.events
      WHERE stream_id = ? ORDER BY stream_version`
    const rawLoad = async (length: number) => {
      let state = initialState
      let version = 0
      for (const row of await selectRows<RawRow>(pool, text, [Account.streamId(`n${length}`)])) {
        const data: { readonly amount: number } = JSON.parse(row.data)
        state = apply(state, row.type === "Deposited" ? data.amount : -data.amount)
        version = Number(row.stream_version)
      }
      return { state, version }
    }
    const raw = (length: number) =>
      promiseRunner(async () => {
        const { state, version } = await rawLoad(length)
        check("raw", length, version, state.balance)
        return 1
      })
    const cello = (aggregate: typeof Account, length: number) =>
      effectRunner(runtime, () =>
        Repository.load(aggregate, `n${length}`).pipe(
          Effect.map((loaded) => {
            check(aggregate.name, length, loaded.version, loaded.state.balance)
            return 1
          })
        )
      )
    const [rawLong, plainLong, snapLong, rawShort, plainShort, snapShort] = await interleave(timing, [
      raw(long),
      cello(Account, long),
      cello(SnapshottedAccount, long),
      raw(short),
      cello(Account, short),
      cello(SnapshottedAccount, short)
    ])
    if (!rawLong || !plainLong || !snapLong || !rawShort || !plainShort || !snapShort)
      throw new Error("interleave lost a runner")
    // Node CPU per load, the sides taking turns: unlike the wall time above, it does not count the
    // server's work or the time other jobs on a shared machine take from this process.
    const cpu = { raw: 0, cello: 0 }
    for (let round = 0; round < cpuRounds; round++) {
      let before = process.cpuUsage()
      for (let i = 0; i < cpuLoads; i++) await rawLoad(long)
      let used = process.cpuUsage(before)
      cpu.raw += used.user + used.system
      before = process.cpuUsage()
      for (let i = 0; i < cpuLoads; i++) await runtime.runPromise(Repository.load(Account, `n${long}`))
      used = process.cpuUsage(before)
      cpu.cello += used.user + used.system
    }
    const cpuMs = (micros: number) => (micros / 1000 / (cpuRounds * cpuLoads)).toFixed(2)
    const cpuNote = `Node CPU per load of ${long.toLocaleString("en-US")} events (\`process.cpuUsage\`, ${cpuRounds} × ${cpuLoads} loads a side, taking turns): Cello ${cpuMs(cpu.cello)} ms, raw ${cpuMs(cpu.raw)} ms (${(cpu.cello / cpu.raw).toFixed(2)}×).`
    const ms = (m: Measurement) => msPerStep(m).toFixed(2)
    const byLength = markdownTable(
      ["Stream length", "Cello, snapshot every 100", "Cello, no snapshot", "raw mysql2 SELECT + fold"],
      ["r", "r", "r", "r"],
      [
        [short.toLocaleString("en-US"), ms(snapShort), ms(plainShort), ms(rawShort)],
        [long.toLocaleString("en-US"), ms(snapLong), ms(plainLong), ms(rawLong)]
      ]
    )
    const n = long.toLocaleString("en-US")
    return {
      rows: [
        // ≤ 1.3× the raw time per load is ≥ 1/1.3 of its loads per second.
        {
          scenario: `Aggregate load, ${n} events, no snapshot`,
          unit: "loads/s",
          cello: perSecond(plainLong),
          raw: perSecond(rawLong),
          target: 1 / 1.3
        },
        {
          scenario: `Aggregate load, ${n} events, snapshot every ${snapshotInterval}`,
          unit: "loads/s",
          cello: perSecond(snapLong),
          raw: perSecond(rawLong)
        }
      ],
      notes: [
        `Milliseconds per load, one loader:\n\n${byLength}`,
        cpuNote,
        ...[...warnings].map((w) => `WARNING: ${w}`)
      ]
    }
  } finally {
    await runtime.dispose()
    await pool.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await pool.end()
  }
}
