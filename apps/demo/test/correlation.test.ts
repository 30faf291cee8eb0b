/**
 * One request traced through what it caused: a transfer to a closed account, requested with a W3C
 * `traceparent`. Its deposit (the step after the withdrawal) fails, so the withdrawal is undone and
 * the failure recorded. Every event the transfer appended carries the request's trace id as
 * `correlationId` and the saga step (or its compensation) that appended it as `causationId`; the
 * saga record keeps the correlation id; the accounts' earlier events name their own requests and
 * commands. In process over real HTTP, on the memory store and on PostgreSQL.
 */
import { randomBytes } from "node:crypto"
import type { EventEnvelope } from "@cello/eventsourcing"
import { EventStore } from "@cello/eventsourcing"
import { SagaStore } from "@cello/saga"
import { PgStore } from "@cello/store-postgres"
import { reachable } from "@cello/tooling/net"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import * as Account from "../src/bank/account.js"
import { StoreKind } from "../src/storeKind.js"
import { memory, withDemo } from "./support/inProcess.js"

const configured = process.env.CELLO_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const onPostgres = process.env.CELLO_TEST_PGLITE !== "1" && (await reachable(configured, 5432))

/** A fresh schema on the server, dropped afterwards; embedded PGlite where no server answers. */
const postgres = () => {
  if (!onPostgres) return Layer.merge(PgStore.layerEmbedded(), Layer.succeed(StoreKind, "pglite"))
  const schema = `cello_demo_corr_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`
  const dropSchema = Layer.effectDiscard(
    Effect.addFinalizer(() =>
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      ).pipe(Effect.ignore)
    )
  )
  return Layer.merge(
    dropSchema.pipe(Layer.provideMerge(PgStore.layer({ url: configured, schema }))),
    Layer.succeed(StoreKind, "postgres")
  )
}

const traceId = () => randomBytes(16).toString("hex")
const traceparent = (trace: string) => `00-${trace}-${randomBytes(8).toString("hex")}-01`

const post = (base: string, path: string, body: unknown, headers: Record<string, string>) =>
  Effect.promise(async () => {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body)
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  })

const stream = (id: string) => EventStore.readStream(Account.Account.streamId(id))

const causes = (events: ReadonlyArray<EventEnvelope>) =>
  events.map((e) => [e.type, e.metadata.correlationId, e.metadata.causationId])

const scenario = (base: string) =>
  Effect.gen(function* () {
    const [openFrom, openTo, close, transfer] = [traceId(), traceId(), traceId(), traceId()]
    const from = yield* post(
      base,
      "/api/commands/accounts",
      { owner: "Alice", initial_balance: 300 },
      {
        traceparent: traceparent(openFrom)
      }
    )
    // An `x-request-id` is the correlation id when no `traceparent` came.
    const to = yield* post(base, "/api/commands/accounts", { owner: "Bob" }, { "x-request-id": openTo })
    const fromId = String(from.body.account_id)
    const toId = String(to.body.account_id)
    expect(
      (yield* post(base, `/api/commands/accounts/${toId}/close`, {}, { traceparent: traceparent(close) }))
        .status
    ).toBe(200)

    const res = yield* post(
      base,
      "/api/commands/transfers",
      { from_account: fromId, to_account: toId, amount: 100 },
      { traceparent: traceparent(transfer) }
    )
    expect(res.status).toBe(409)
    expect(res.body).toMatchObject({ status: "compensated" })
    const sagaId = String(res.body.id)
    const step = (name: string) => `saga:${sagaId}:${name}`

    const fromEvents = yield* stream(fromId)
    const opened = fromEvents[0]
    // A command from a request: the request's correlation, the command's own id as the cause.
    expect(opened?.metadata.correlationId).toBe(openFrom)
    expect(opened?.metadata.causationId).toMatch(/^[0-9a-f-]{36}$/)
    expect(opened?.metadata.commandId).toBe(opened?.metadata.causationId)
    expect(causes(fromEvents.slice(1))).toEqual([
      ["MoneyWithdrawn", transfer, step("withdraw")],
      ["MoneyDeposited", transfer, step("withdraw:compensate")],
      ["TransferFailed", transfer, step("register:compensate")]
    ])
    // Each of those was written by its own command, dispatched by the step.
    const commands = new Set(fromEvents.map((e) => e.metadata.commandId))
    expect(commands.size).toBe(4)

    const toEvents = yield* stream(toId)
    expect(causes(toEvents).map(([type, correlation]) => [type, correlation])).toEqual([
      ["AccountOpened", openTo],
      ["AccountClosed", close]
    ])
    // Nothing of the transfer reached the closed account.
    expect(toEvents.every((e) => e.metadata.correlationId !== transfer)).toBe(true)

    const saga = Option.getOrThrow(yield* SagaStore.get(sagaId))
    expect(saga.correlationId).toBe(transfer)
    expect(saga.status).toBe("compensated")
  })

describe("a request's correlation id, and the causes of the events it caused", () => {
  it("on the memory store", () => withDemo(memory, scenario), 30_000)
  it(
    `on ${onPostgres ? "PostgreSQL" : "PGlite (no PostgreSQL server answered)"}`,
    () => withDemo(postgres(), scenario),
    60_000
  )
})
