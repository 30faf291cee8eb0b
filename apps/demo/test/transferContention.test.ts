/**
 * The bank under contention, over HTTP, on memory and on PostgreSQL (PGlite where none answers):
 * three rounds of 50 concurrent transfers out of one account into a closed one plus 50 concurrent
 * withdrawals from it (and 10 transfers over any balance it can have). No money is lost (the balances are the deposits minus the withdrawals that
 * succeeded), every answer says what happened (never a conflict), every failed transfer is
 * recorded, no saga stays `compensation_failed`, and the read models equal a fold of the event log.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { reachable } from "@cello/tooling/net"
import { PgClient } from "@effect/sql-pg"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Answer, at, type Client, client, type Demo, startDemo, text } from "./support/demo.js"
import { openAccount } from "./support/scenarios.js"

const configured = process.env.CELLO_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const pgMode: "postgres" | "pglite" =
  process.env.CELLO_TEST_PGLITE !== "1" && (await reachable(configured, 5432)) ? "postgres" : "pglite"
const schema = `cello_demo_contention_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`
const dataDir = pgMode === "pglite" ? mkdtempSync(join(tmpdir(), "cello-contention-")) : ""

// Recovery (which also takes compensation_failed sagas up again) runs often, so a test never waits long.
// The command timeout and the retries of write conflicts last far longer than any round: 110 writers
// on one account serialise, and on a loaded CI machine (every package's tests at once on 2 cores) a
// round took 30 to 40 s, past the 30 s command timeout and the 5 s of retries by default, so a slow
// machine answered 504 or 409 where the test asks what contention does to money and answers.
const fast = {
  CELLO_SAGA_RECOVER_EVERY: "200 millis",
  CELLO_COMMAND_TIMEOUT: "4 minutes",
  CELLO_RETRY_TIMEOUT: "3 minutes",
  CELLO_MAX_CONCURRENCY_RETRIES: "1000000"
}

const stores: ReadonlyArray<{ readonly name: string; readonly env: Readonly<Record<string, string>> }> = [
  { name: "memory", env: fast },
  {
    name: pgMode === "postgres" ? "PostgreSQL" : "PGlite",
    env:
      pgMode === "postgres"
        ? { ...fast, CELLO_DATABASE_URL: configured, CELLO_DATABASE_SCHEMA: schema, CELLO_DEMO_EMBEDDED: "" }
        : { ...fast, CELLO_DATABASE_URL: "", CELLO_DEMO_EMBEDDED: dataDir }
  }
]

afterAll(async () => {
  if (pgMode === "pglite") rmSync(dataDir, { recursive: true, force: true })
  else {
    const database = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(configured) }))
    await database.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
    )
    await database.dispose()
  }
}, 60_000)

/** A money amount of an answer (a number, or the decimal string of an exact money type). */
const money = (value: unknown): number => {
  const n = typeof value === "string" ? Number(value) : value
  if (typeof n !== "number" || !Number.isFinite(n)) throw new Error(`not an amount: ${JSON.stringify(value)}`)
  return n
}

const cents = (amount: number) => Math.round(amount * 100)

interface AccountFold {
  readonly balance: number
  readonly status: string
  readonly types: ReadonlyArray<string>
}

/** The account as its event stream says: the fold the read model must equal. */
const fold = async (api: Client, id: string): Promise<AccountFold> => {
  const history = await api.get(`/api/queries/accounts/${id}/history`)
  expect(history.status).toBe(200)
  const events = at(history.body, "events")
  if (!Array.isArray(events)) throw new Error(`no events: ${JSON.stringify(history.body)}`)
  let balance = 0
  let status = "unknown"
  const types: Array<string> = []
  for (const event of events) {
    const type = text(event, "type")
    types.push(type)
    if (type === "AccountOpened") {
      status = "active"
      balance += cents(money(at(event, "data", "initial_balance")))
    } else if (type === "MoneyDeposited") balance += cents(money(at(event, "data", "amount")))
    else if (type === "MoneyWithdrawn") balance -= cents(money(at(event, "data", "amount")))
    else if (type === "AccountClosed") status = "closed"
  }
  return { balance, status, types }
}

const readModel = async (api: Client, id: string) => {
  const account = await api.get(`/api/queries/accounts/${id}`)
  expect(account.status).toBe(200)
  return { balance: cents(money(at(account.body, "balance"))), status: text(account.body, "status") }
}

/** Polls (bounded) until `check` holds: the read side and recovery run in the background. */
const eventually = async (check: () => Promise<boolean>, what: string) => {
  for (let i = 0; i < 150; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`never: ${what}`)
}

const sagaStatuses = async (api: Client, ids: ReadonlyArray<string>) =>
  Promise.all(ids.map(async (id) => text((await api.get(`/api/queries/sagas/${id}`)).body, "status")))

describe.each(stores)("transfers into a closed account under contention, on $name", ({ env }) => {
  let demo: Demo
  let api: Client

  beforeAll(async () => {
    demo = await startDemo(env)
    api = client(demo.url)
  }, 120_000)

  afterAll(() => demo.stop())

  it.each([1, 2, 3])(
    "round %i: money is conserved, every answer is honest, every failure recorded, no saga left failed",
    async () => {
      const source = await openAccount(api, "Sam", 1000)
      const closed = await openAccount(api, "Cleo", 0)
      const open = await openAccount(api, "Dora", 0)
      expect((await api.post(`/api/commands/accounts/${closed}/close`)).status).toBe(200)

      const transfer = () =>
        api.post("/api/commands/transfers", { from_account: source, to_account: closed, amount: 10 })
      const withdraw = () => api.post(`/api/commands/accounts/${source}/withdraw`, { amount: 30 })
      // Over any balance the source can have: refused for insufficient funds, whatever else runs.
      const tooMuch = () =>
        api.post("/api/commands/transfers", { from_account: source, to_account: open, amount: 5000 })
      const answers = await Promise.all(
        Array.from({ length: 110 }, (_, i) => {
          const kind = i >= 100 ? "tooMuch" : i % 2 === 0 ? "transfer" : "withdraw"
          const sent = kind === "tooMuch" ? tooMuch() : kind === "transfer" ? transfer() : withdraw()
          return sent.then((answer) => ({ kind, answer }))
        })
      )
      const of = (kind: string) => answers.filter((a) => a.kind === kind).map((a) => a.answer)
      const [withdrawals, overdrawn] = [of("withdraw"), of("tooMuch")]
      const transfers = [...of("transfer"), ...overdrawn]

      // A transfer into a closed account is undone: 409 with the saga, saying why — the closed
      // account, or insufficient funds while withdrawals drained the source. Never a conflict.
      const why = (a: Answer) => String(at(a.body, "error"))
      for (const a of overdrawn) expect(why(a)).toContain("Insufficient funds")
      for (const a of transfers) {
        expect(a.status, JSON.stringify(a.body)).toBe(409)
        expect(a.body).toMatchObject({ type: "MoneyTransfer", status: "compensated" })
        expect(why(a)).toMatch(/Account is not active|Insufficient funds/)
      }
      // A withdrawal succeeds, or is refused for insufficient funds with the seed's 400: the
      // repository's retries absorb the contention (never a 409 conflict).
      let withdrawn = 0
      for (const a of withdrawals) {
        if (a.status === 200) withdrawn += cents(30)
        else
          expect([a.status, at(a.body, "error")], JSON.stringify(a.body)).toEqual([400, "Insufficient funds"])
      }
      expect(withdrawn).toBeGreaterThan(0)
      console.info(
        `contention round: ${withdrawals.filter((w) => w.status === 200).length} withdrawals ok, ` +
          `${withdrawals.filter((w) => w.status === 400).length} insufficient; transfers: ` +
          `${transfers.filter((t) => why(t).includes("Insufficient")).length} insufficient funds, ` +
          `${transfers.filter((t) => why(t).includes("not active")).length} closed`
      )

      const sagaIds = transfers.map((a) => text(a.body, "id"))
      // No saga stays compensation_failed (recovery takes such ones up again).
      await eventually(
        async () => (await sagaStatuses(api, sagaIds)).every((s) => s === "compensated"),
        "every transfer saga compensated"
      )

      // Conservation, by the event log: the deposits minus the withdrawals that succeeded.
      const [s, c, d] = [await fold(api, source), await fold(api, closed), await fold(api, open)]
      expect(s.balance + c.balance + d.balance).toBe(cents(1000) - withdrawn)
      expect([c.balance, d.balance]).toEqual([0, 0])
      // Every failed transfer is recorded once on the source.
      expect(s.types.filter((t) => t === "TransferFailed")).toHaveLength(60)
      expect(c.types).toEqual(["AccountOpened", "AccountClosed"])
      expect(d.types).toEqual(["AccountOpened"])

      // The read models equal the fold of the log (once the projections caught up).
      await eventually(async () => {
        const models = [
          await readModel(api, source),
          await readModel(api, closed),
          await readModel(api, open)
        ]
        return [s, c, d].every((f, i) => models[i]?.balance === f.balance && models[i]?.status === f.status)
      }, "the read models to equal the fold of the event log")
    },
    300_000
  )
})
