/**
 * Both examples end to end on MySQL/MariaDB: the demo runs with a `mysql://` `CELLO_DATABASE_URL` on a
 * fresh database (`CELLO_DATABASE_NAME`, dropped afterwards), and keeps every account, order, saga and
 * stock level across a restart; a saga cut by a crash (SIGKILL) mid-step is finished after the restart.
 * Without a server at `CELLO_MYSQL_URL` the tests fail, saying so.
 */
import { MysqlDatabase, MysqlStoreConfig } from "@cello/store-mysql"
import { reachable } from "@cello/tooling/net"
import { Effect } from "effect"
import { CompiledQuery } from "kysely"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { at, type Client, client, type Demo, num, startDemo, text } from "./support/demo.js"
import { hostileInputSuite } from "./support/hostileInput.js"
import { badInputSuite, bankSuite, logPosition, restartSuite, shopSuite } from "./support/scenarios.js"
import { until } from "./support/until.js"

const url = process.env.CELLO_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test"
if (!(await reachable(url, 3306)))
  throw new Error(`demo tests need MySQL or MariaDB at ${new URL(url).host} (set CELLO_MYSQL_URL)`)

const database = `cello_demo_test_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`
const env: Record<string, string> = {
  CELLO_DATABASE_URL: url,
  CELLO_DATABASE_NAME: database,
  CELLO_DEMO_EMBEDDED: ""
}

let demo: Demo
let api: Client

beforeAll(async () => {
  demo = await startDemo(env)
  api = client(demo.url)
}, 120_000)

afterAll(async () => {
  await demo.stop()
  // The demo drops nothing: a connection of the test's own does.
  await Effect.runPromise(
    Effect.gen(function* () {
      const db = yield* MysqlDatabase.MysqlDatabase
      yield* db.execute(CompiledQuery.raw(`DROP DATABASE IF EXISTS \`${database}\``))
    }).pipe(Effect.provide(MysqlDatabase.layer(MysqlStoreConfig.make({ url, database }))))
  )
}, 60_000)

describe("the demo on MySQL", () => {
  it("runs on the MySQL store", async () => {
    expect((await api.get("/events/stats")).body).toMatchObject({ store_type: "mysql" })
    expect((await api.get("/health")).body).toMatchObject({ status: "ok" })
  })

  bankSuite(() => api, logPosition)
  shopSuite(() => api, logPosition)
  badInputSuite(() => api, logPosition)
  hostileInputSuite(() => api, logPosition)

  restartSuite(
    () => api,
    async () => {
      await demo.stop()
      demo = await startDemo(env)
      api = client(demo.url)
      return api
    },
    async (api) => (await api.get("/events/stats")).body
  )

  it("finishes a saga cut by a crash (SIGKILL) in flight after the restart, each step once", async () => {
    // A slow payment gateway, so the kill finds the saga in its payment step; a short lease, so the
    // restarted process takes the dead one's saga over within the test.
    const crashEnv = {
      ...env,
      CELLO_DEMO_PAYMENT_LATENCY: "1500 millis",
      CELLO_SAGA_LEASE_DURATION: "2 seconds",
      CELLO_SAGA_RECOVER_EVERY: "1 second"
    }
    await demo.stop()
    demo = await startDemo(crashEnv)
    api = client(demo.url)
    const stockBefore = num((await api.get("/inventory")).body, "inventory", "Widget")
    const placing = api
      .post("/saga/place-order", { user_id: "mysql-crash", product: "Widget", quantity: 2, price: 5 })
      .catch(() => undefined)
    const mine = (body: unknown) => {
      const history = at(body, "history")
      return Array.isArray(history)
        ? history.filter((h) => at(h, "context", "user_id") === "mysql-crash")
        : []
    }
    await until(
      () => api.get("/saga/status"),
      (res) => mine(res.body).some((h) => at(h, "status") === "running"),
      30
    )
    await demo.kill()
    await placing

    demo = await startDemo(crashEnv)
    api = client(demo.url)
    const finished = await until(
      () => api.get("/saga/status"),
      (res) => mine(res.body).length === 1 && mine(res.body).every((h) => at(h, "status") === "completed"),
      60
    )
    const order = text(mine(finished.value.body)[0], "context", "order_id")
    const events = await api.get(`/orders/${order}/events`)
    expect(at(events.body, "events", 0, "type")).toBe("OrderCreated")
    expect(num(events.body, "event_count")).toBe(2) // created, confirmed: no step ran twice
    await until(
      () => api.get(`/orders/${order}`),
      (res) => at(res.body, "status") === "confirmed",
      30
    )
    await until(
      () => api.get("/inventory"),
      (res) => num(res.body, "inventory", "Widget") === stockBefore - 2,
      30
    )
  }, 180_000)
})
