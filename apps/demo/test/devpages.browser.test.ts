// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright locators, whose innerText is the rendered text a person sees
/**
 * One request followed through the dev pages in a real headless Chromium: a transfer to a closed
 * account, requested with a W3C `traceparent`, whose deposit (the step after the withdrawal) fails,
 * so the withdrawal is undone and the failure recorded. The demo runs as `pnpm demo` does, with
 * `CELLO_DEV_PAGES=true`. From the source account's stream, an event links to its correlation; the
 * correlation page lists the saga and exactly the three events the transfer caused; the saga page
 * shows the correlation and links each step to the events it appended; an event's cause link leads
 * back to the saga step. In memory, and on PostgreSQL when a server answers. Screenshots are kept in
 * `.artifacts/`.
 */
import { randomBytes } from "node:crypto"
import { mkdirSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { reachable } from "@cello/tooling/net"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client, type Demo, startDemo, text } from "./support/demo.js"

let browser: BrowserContext
let profile: string
const artifacts = new URL("../.artifacts/", import.meta.url).pathname

const configured = process.env.CELLO_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const onPostgres = process.env.CELLO_TEST_PGLITE !== "1" && (await reachable(configured, 5432))
const schema = `cello_demo_dev_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`

/** Where the demo keeps its events and sagas: in memory, and on PostgreSQL when a server answers. */
const stores: ReadonlyArray<{
  readonly name: string
  readonly env: Record<string, string>
  readonly cleanup: () => Promise<void>
}> = [
  { name: "memory", env: { CELLO_DATABASE_URL: "", CELLO_DEMO_EMBEDDED: "" }, cleanup: async () => {} },
  ...(onPostgres
    ? [
        {
          name: "postgres",
          env: { CELLO_DATABASE_URL: configured, CELLO_DATABASE_SCHEMA: schema, CELLO_DEMO_EMBEDDED: "" },
          cleanup: () =>
            Effect.runPromise(
              Effect.flatMap(SqlClient.SqlClient, (sql) =>
                sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
              ).pipe(
                Effect.asVoid,
                Effect.provide(PgClient.layer({ url: Redacted.make(configured) })),
                Effect.scoped
              )
            )
        }
      ]
    : [])
]

beforeAll(async () => {
  profile = await mkdtemp(join(tmpdir(), "cello-devpages-chromium-"))
  // A fresh profile; playwright never downloads a browser, it drives the system one.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 1000 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await rm(profile, { recursive: true, force: true })
})

const traceId = () => randomBytes(16).toString("hex")
const traceparent = (trace: string) => `00-${trace}-${randomBytes(8).toString("hex")}-01`

const shooter = (store: string) => async (page: Page, name: string) => {
  mkdirSync(artifacts, { recursive: true })
  await page.screenshot({ path: join(artifacts, `devpages-${store}-${name}.png`), fullPage: true })
}

/** What an event card shows: its type, and the text of its correlation and cause links. */
const cardFacts = async (card: Locator) => ({
  type: await card.locator(".event-type").innerText(),
  correlation: (await card.locator("a.correlation-link").allInnerTexts())[0],
  cause: (await card.locator("a.cause-link").allInnerTexts())[0]
})

describe.each(stores)("the dev pages follow one request, on $name", ({ name, env, cleanup }) => {
  let demo: Demo
  const shot = shooter(name)
  beforeAll(async () => {
    demo = await startDemo({ ...env, CELLO_DEV_PAGES: "true" })
  }, 120_000)
  afterAll(async () => {
    await demo?.stop()
    await cleanup()
  }, 60_000)

  it("the banner names the dev pages when they are on", () => {
    expect(demo.output()).toContain(`(store: ${name}) `)
    expect(demo.output()).toContain("· dev pages /events /sagas ·")
  })

  it("from an event to its correlation, its saga, the saga's steps and the events each appended", async () => {
    const api = client(demo.url)
    const [openFrom, openTo, close, transfer] = [traceId(), traceId(), traceId(), traceId()]
    const from = text(
      (
        await api.post(
          "/api/commands/accounts",
          { owner: "Alice", initial_balance: 300 },
          { traceparent: traceparent(openFrom) }
        )
      ).body,
      "account_id"
    )
    const to = text(
      (await api.post("/api/commands/accounts", { owner: "Bob" }, { traceparent: traceparent(openTo) })).body,
      "account_id"
    )
    expect(
      (await api.post(`/api/commands/accounts/${to}/close`, {}, { traceparent: traceparent(close) })).status
    ).toBe(200)
    const res = await api.post(
      "/api/commands/transfers",
      { from_account: from, to_account: to, amount: 100 },
      { traceparent: traceparent(transfer) }
    )
    expect(res.status).toBe(409)
    expect(text(res.body, "status")).toBe("compensated")
    const sagaId = text(res.body, "id")
    const saga = (step: string) => `saga ${sagaId} · ${step}`

    const page = await browser.newPage()
    // What the pages' CSP refused, and any answer that was not a page (the browser's own
    // /favicon.ico aside, which the demo does not serve).
    const refused: Array<string> = []
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
        refused.push(message.text())
    })
    page.on("response", (response) => {
      if (response.status() >= 400 && !response.url().endsWith("/favicon.ico"))
        refused.push(`${response.status()} ${response.url()}`)
    })

    // The source account's stream: each event names its correlation and its cause.
    await page.goto(`${demo.url}/events`)
    await page.locator("#streams a.stream-link", { hasText: from }).click()
    await page.locator("#stream-id").waitFor()
    const cards = page.locator("article.event")
    expect(await cards.count()).toBe(4)
    const facts = await Promise.all([0, 1, 2, 3].map((i) => cardFacts(cards.nth(i))))
    expect(facts.slice(1)).toEqual([
      { type: "MoneyWithdrawn", correlation: transfer, cause: saga("step withdraw") },
      { type: "MoneyDeposited", correlation: transfer, cause: saga("undoing step withdraw") },
      { type: "TransferFailed", correlation: transfer, cause: saga("undoing step register") }
    ])
    // The account was opened by another request, through a command (its id is the cause).
    expect(facts[0]?.type).toBe("AccountOpened")
    expect(facts[0]?.correlation).toBe(openFrom)
    expect(facts[0]?.cause).toMatch(/^[0-9a-f-]{36}$/)
    // The metadata itself, in the card's collapsed JSON.
    const withdrawn = cards.nth(1)
    await withdrawn.locator("details.json > summary", { hasText: "Metadata" }).click()
    const metadata = await withdrawn.locator("pre.metadata").innerText()
    expect(metadata).toContain(`"correlationId": "${transfer}"`)
    expect(metadata).toContain(`"causationId": "saga:${sagaId}:withdraw"`)
    await shot(page, "1-stream")

    // The destination account carries nothing of the transfer: it was closed before.
    await page.goto(`${demo.url}/events`)
    await page.locator("#streams a.stream-link", { hasText: to }).click()
    await page.locator("#stream-id").waitFor()
    expect(
      await Promise.all([0, 1].map(async (i) => cardFacts(page.locator("article.event").nth(i))))
    ).toEqual([
      { type: "AccountOpened", correlation: openTo, cause: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      { type: "AccountClosed", correlation: close, cause: expect.stringMatching(/^[0-9a-f-]{36}$/) }
    ])
    await page.goBack()
    await page.goBack()
    await page.locator("#stream-id").waitFor()

    // Event → its correlation: the saga it started and exactly the events it caused.
    await withdrawn.locator("a.correlation-link").click()
    await page.locator("#correlation-id").waitFor()
    expect(await page.locator("#correlation-id").innerText()).toBe(transfer)
    const sagaRows = await page.locator("#sagas tbody tr").allInnerTexts()
    expect(sagaRows).toHaveLength(1)
    expect(sagaRows[0]).toMatch(new RegExp(`${sagaId}\\s+MoneyTransfer\\s+compensated`))
    expect(sagaRows[0]).toContain("deposit")
    const correlated = page.locator("#events article.event")
    expect(await correlated.locator(".event-type").allInnerTexts()).toEqual([
      "MoneyWithdrawn",
      "MoneyDeposited",
      "TransferFailed"
    ])
    expect(new Set(await correlated.locator("a.stream-link").allInnerTexts())).toEqual(
      new Set([`Account-${from}`])
    )
    await shot(page, "2-correlation")

    // Correlation → saga: its correlation, and each step linked to the events it appended.
    await page.locator("#sagas a.saga-link", { hasText: sagaId }).click()
    await page.locator("#steps").waitFor()
    expect(await page.locator("main a.correlation-link").innerText()).toBe(transfer)
    const step = (name: string) => page.locator(`#steps tr[data-step="${name}"]`)
    const linked = (name: string, column: "act" | "compensation") =>
      step(name).locator(`td.${column} a.event-link`).allInnerTexts()
    expect(await linked("register", "act")).toEqual([])
    expect(await linked("register", "compensation")).toEqual(["TransferFailed"])
    expect(await linked("withdraw", "act")).toEqual(["MoneyWithdrawn"])
    expect(await linked("withdraw", "compensation")).toEqual(["MoneyDeposited"])
    expect(await linked("deposit", "act")).toEqual([])
    expect(await step("deposit").innerText()).toMatch(/failed\s+attempt 1/)
    await shot(page, "3-saga")

    // Step → the event it appended, on its stream's page.
    await step("withdraw").locator("td.compensation a.event-link").click()
    await page.waitForURL(new RegExp(`/events/streams/Account-${from}#v3$`))
    expect(await page.locator("article.event:target .event-type").innerText()).toBe("MoneyDeposited")
    await shot(page, "4-step-event")

    // An event's cause → the saga step that appended it.
    await page.locator("article.event:target a.cause-link").click()
    await page.waitForURL(new RegExp(`/sagas/${sagaId}#step-withdraw$`))
    expect(await page.locator("#steps tr:target").getAttribute("data-step")).toBe("withdraw")

    // The search box finds the saga's events by the saga id, and names the saga.
    await page.goto(`${demo.url}/events`)
    await page.locator("#filter-q").fill(sagaId)
    await page.locator("#filters button[type=submit]").click()
    await page.locator("#matches").waitFor()
    expect(await page.locator("#matches .event-type").allInnerTexts()).toEqual([
      "MoneyWithdrawn",
      "MoneyDeposited",
      "TransferFailed"
    ])
    expect(await page.locator("#search-names a.saga-link").innerText()).toBe(sagaId)
    await shot(page, "5-search")

    expect(refused).toEqual([])
    await page.close()
  }, 60_000)
})
