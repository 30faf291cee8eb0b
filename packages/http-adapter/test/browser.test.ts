// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright locators, whose innerText is the rendered text a person sees
/**
 * The development pages in a real headless Chromium (Debian's `/usr/bin/chromium`, installed by
 * `scripts/ensure-chromium.sh` before the tests), asserting what a person sees. Screenshots go to
 * /tmp/cello-devpages-*.png for a look by eye.
 */
import { EventStore } from "@cello/eventsourcing"
import { Saga, SagaOrchestrator } from "@cello/saga"
import { MemoryStore } from "@cello/store-memory"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Ref, Schema } from "effect"
import type { Locator, Page } from "playwright-core"
import { HttpAdapter } from "../src/index.js"
import { Browser } from "./chromium.js"
import { baseUrl } from "./support.js"

// A saga over a Ref of balances: depositing to an unknown account fails, so the withdrawal is undone.
class Bank extends Context.Service<Bank, Ref.Ref<Record<string, number>>>()("test/Bank") {
  static readonly layer = Layer.effect(Bank, Ref.make<Record<string, number>>({ alice: 100, bob: 0 }))
}
class NoSuchAccount extends Schema.TaggedError<NoSuchAccount>()("NoSuchAccount", { account: Schema.String }) {
  override get message(): string {
    return `no account ${this.account}`
  }
}
const move = (account: string, amount: number) =>
  Effect.gen(function* () {
    const bank = yield* Bank
    const balances = yield* Ref.get(bank)
    const balance = balances[account]
    if (balance === undefined) return yield* new NoSuchAccount({ account })
    yield* Ref.set(bank, { ...balances, [account]: balance + amount })
  })
const Transfer = Saga.make({
  name: "transfer",
  context: Schema.Struct({ from: Schema.String, to: Schema.String, amount: Schema.Number }),
  steps: [
    {
      name: "withdraw",
      action: (t) => Effect.as(move(t.from, -t.amount), t),
      compensate: (t) => move(t.from, t.amount)
    },
    { name: "deposit", action: (t) => Effect.as(move(t.to, t.amount), t), retry: { maxRetries: 0 } }
  ]
})

// The source account is gone (frozen) by the time the refund runs: the compensation fails for good.
const FrozenRefund = Saga.make({
  name: "frozen-refund",
  context: Schema.Struct({ from: Schema.String, to: Schema.String, amount: Schema.Number }),
  steps: [
    {
      name: "withdraw",
      action: (t) => Effect.as(move(t.from, -t.amount), t),
      compensate: (t) => move(t.from, t.amount)
    },
    {
      name: "freeze",
      action: (t) =>
        Effect.gen(function* () {
          const bank = yield* Bank
          yield* Ref.update(bank, (b) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== t.from)))
          return t
        })
    },
    { name: "deposit", action: (t) => Effect.as(move(t.to, t.amount), t) }
  ]
})

// Dev pages on, whatever the environment says, over every memory store; the stores stay visible.
const App = HttpAdapter.make<never>({ routes: [], devPages: true }).pipe(
  Layer.provideMerge(MemoryStore.layer),
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
)
const Env = Layer.mergeAll(
  SagaOrchestrator.layer({ sagas: [FrozenRefund] }).pipe(
    Layer.provideMerge(HttpAdapter.serve(App, { host: "127.0.0.1", port: 0 })),
    Layer.provideMerge(Bank.layer)
  ),
  Browser.layer
)

const withPage = <A>(
  f: (
    page: Page,
    base: string
  ) => Effect.Effect<A, unknown, EventStore.EventStore | SagaOrchestrator.SagaOrchestrator | Bank>
) =>
  Effect.gen(function* () {
    const base = yield* baseUrl
    const browser = yield* Browser
    const page = yield* Effect.acquireRelease(
      Effect.promise(() => browser.newPage()),
      (p) => Effect.promise(() => p.close())
    )
    return yield* f(page, base)
  })

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)
const shot = (page: Page, name: string) =>
  promise(() => page.screenshot({ path: `/tmp/cello-devpages-${name}.png`, fullPage: true }))
/** Opens a card's collapsed JSON (data and metadata), after checking it starts closed. */
const openJson = (card: Locator) =>
  Effect.gen(function* () {
    assert.isFalse(yield* promise(() => card.locator("pre.data").isVisible()))
    const summaries = card.locator("details.json > summary")
    for (let i = 0; i < (yield* promise(() => summaries.count())); i++)
      yield* promise(() => summaries.nth(i).click())
    assert.isTrue(yield* promise(() => card.locator("pre.data").isVisible()))
  })
const pwned = (page: Page) => promise(() => page.evaluate(() => Reflect.get(globalThis, "__pwned")))

layer(Env, { timeout: 60_000, excludeTestServices: true })("dev pages in headless Chromium", (it) => {
  it.effect("the event browser lists streams, shows a stream's events, and tails new ones live", () =>
    withPage((page, base) =>
      Effect.gen(function* () {
        yield* EventStore.append("order-1", [
          {
            type: "OrderPlaced",
            data: { items: ["Widget", "Gadget"], note: "für Zoë ✓" },
            metadata: { correlationId: "req-1" }
          },
          { type: "OrderShipped", data: { carrier: "DHL" } }
        ])
        yield* EventStore.append("account-7", [{ type: "Deposited", data: { amount: 30 } }])

        yield* promise(() => page.goto(`${base}/events`))
        const rows = page.locator("#streams tbody tr")
        yield* promise(() => rows.first().waitFor())
        const table = yield* promise(() => rows.allInnerTexts())
        assert.isTrue(
          table.some((row) => /order-1\s+2\s+2\s+OrderShipped/.test(row)),
          table.join("\n")
        )
        assert.isTrue(
          table.some((row) => /account-7\s+1\s+1\s+Deposited/.test(row)),
          table.join("\n")
        )
        yield* shot(page, "events")

        yield* promise(() => page.getByRole("link", { name: "order-1", exact: true }).click())
        yield* promise(() => page.waitForURL(/\/events\/streams\/order-1$/))
        const cards = page.locator("article.event")
        yield* promise(() => cards.nth(1).waitFor())
        assert.strictEqual(yield* promise(() => cards.count()), 2)
        const placed = cards.first()
        assert.strictEqual(yield* promise(() => placed.locator(".event-type").innerText()), "OrderPlaced")
        const facts = yield* promise(() => placed.locator("dl").innerText())
        assert.match(facts, /Version\s+1/)
        assert.match(facts, /Position\s+1/)
        assert.match(facts, /Timestamp\s+\d{4}-\d\d-\d\dT/)
        yield* openJson(placed)
        const data = yield* promise(() => placed.locator("pre.data").innerText())
        assert.include(data, '"Widget"')
        assert.include(data, '"note": "für Zoë ✓"')
        assert.include(
          yield* promise(() => placed.locator("pre.metadata").innerText()),
          '"correlationId": "req-1"'
        )
        yield* shot(page, "stream")

        yield* promise(() => page.goBack())
        yield* promise(() => page.locator('#tail-status[data-state="live"]').waitFor())
        // Marks this document: it is still there after the event arrives, so nothing reloaded.
        yield* promise(() => page.evaluate(() => Reflect.set(globalThis, "__sameDocument", true)))
        yield* EventStore.append("order-2", [{ type: "OrderPlaced", data: { items: ["Gizmo"] } }])
        const arrived = page.locator(".tail-event", { hasText: "order-2" })
        yield* promise(() => arrived.waitFor())
        assert.strictEqual(yield* promise(() => arrived.locator(".event-type").innerText()), "OrderPlaced")
        yield* openJson(arrived)
        assert.include(yield* promise(() => arrived.locator("pre.data").innerText()), '"Gizmo"')
        assert.isTrue(yield* promise(() => page.evaluate(() => Reflect.get(globalThis, "__sameDocument"))))
        yield* shot(page, "tail")
      })
    )
  )

  it.effect("hostile stream ids and payloads render as text and never run", () =>
    withPage((page, base) =>
      Effect.gen(function* () {
        const hostile = `<script>window.__pwned=1</script>"quoted" 'single' & ünï/cødé`
        const payload = { html: `<img src=x onerror="window.__pwned=2">`, close: "</pre><b>bold</b>" }
        yield* EventStore.append(hostile, [
          { type: "<i>Typed</i>", data: payload, metadata: { who: `"><svg onload=window.__pwned=3>` } }
        ])

        yield* promise(() => page.goto(`${base}/events`))
        const link = page.locator("#streams a.stream-link", { hasText: "window.__pwned=1" })
        yield* promise(() => link.waitFor())
        assert.strictEqual(yield* promise(() => link.innerText()), hostile)
        yield* promise(() => page.locator('#tail-status[data-state="live"]').waitFor())
        yield* EventStore.append(hostile, [{ type: "Again", data: payload }])
        const tailed = page.locator(".tail-event", { hasText: "Again" })
        yield* promise(() => tailed.waitFor())
        assert.strictEqual(yield* promise(() => tailed.locator("a.stream-link").innerText()), hostile)
        yield* openJson(tailed)
        assert.include(
          yield* promise(() => tailed.locator("pre.data").innerText()),
          JSON.stringify(payload.html)
        )

        yield* promise(() => link.click())
        yield* promise(() => page.locator("#stream-id").waitFor())
        assert.strictEqual(yield* promise(() => page.locator("#stream-id").innerText()), hostile)
        const first = page.locator("article.event").first()
        assert.strictEqual(yield* promise(() => first.locator(".event-type").innerText()), "<i>Typed</i>")
        yield* openJson(first)
        const data = yield* promise(() => first.locator("pre.data").innerText())
        assert.include(data, JSON.stringify(payload.html))
        assert.include(data, payload.close)
        assert.include(yield* promise(() => first.locator("pre.metadata").innerText()), "<svg onload=")
        // Nothing became markup: no img, svg, b or i element, no script but the layout's own.
        assert.strictEqual(
          yield* promise(() => page.locator("main img, main svg, main b, main i, main script").count()),
          0
        )
        assert.isUndefined(yield* pwned(page))
        yield* shot(page, "hostile")
      })
    )
  )

  it.effect("the saga dashboard lists a completed and a compensated saga, and shows the compensation", () =>
    withPage((page, base) =>
      Effect.gen(function* () {
        const ok = yield* SagaOrchestrator.execute(Transfer, { from: "alice", to: "bob", amount: 30 })
        const undone = yield* SagaOrchestrator.execute(Transfer, { from: "alice", to: "carol", amount: 50 })
        assert.deepStrictEqual([ok.status, undone.status], ["completed", "compensated"])

        yield* promise(() => page.goto(`${base}/sagas`))
        const rows = page.locator("#sagas tbody tr")
        yield* promise(() => rows.nth(1).waitFor())
        const completed = page.locator("#sagas tbody tr", { hasText: ok.sagaId })
        const compensated = page.locator("#sagas tbody tr", { hasText: undone.sagaId })
        assert.match(yield* promise(() => completed.innerText()), /transfer\s+completed/)
        const failedRow = yield* promise(() => compensated.innerText())
        assert.match(failedRow, /transfer\s+compensated/)
        assert.include(failedRow, "deposit")
        assert.include(failedRow, "no account carol")
        yield* shot(page, "sagas")

        yield* promise(() => page.getByRole("link", { name: "compensated", exact: true }).click())
        yield* promise(() => page.waitForURL(/status=compensated$/))
        yield* promise(() => page.locator("#sagas").waitFor())
        assert.deepStrictEqual(
          yield* promise(() => page.locator("#sagas tbody tr").allInnerTexts()).pipe(
            Effect.map((texts) => texts.map((text) => text.includes(undone.sagaId)))
          ),
          [true]
        )

        yield* promise(() => page.getByRole("link", { name: undone.sagaId }).click())
        yield* promise(() => page.locator("#steps").waitFor())
        const withdraw = yield* promise(() => page.locator('#steps tr[data-step="withdraw"]').innerText())
        assert.match(withdraw, /completed\s+attempt 1/)
        assert.match(withdraw, /↩ compensation\s+completed/)
        const deposit = yield* promise(() => page.locator('#steps tr[data-step="deposit"]').innerText())
        assert.match(deposit, /failed\s+attempt 1\s+.*no account carol/)
        const compensations = yield* promise(() => page.locator("#log tr.compensate").allInnerTexts())
        assert.deepStrictEqual(
          compensations.map((row) => /withdraw\s+↩ compensate\s+(started|completed)/.exec(row)?.[1]),
          ["started", "completed"]
        )
        assert.include(yield* promise(() => page.locator("main").innerText()), "1 completed")
        yield* shot(page, "saga")
      })
    )
  )

  it.effect("a compensation_failed saga's page has a button that retries its compensation", () =>
    withPage((page, base) =>
      Effect.gen(function* () {
        const bank = yield* Bank
        yield* Ref.update(bank, (b) => ({ ...b, dave: 50 }))
        const failed = yield* SagaOrchestrator.execute(FrozenRefund, {
          from: "dave",
          to: "nobody",
          amount: 20
        })
        assert.strictEqual(failed.status, "compensation_failed")
        // The operator thaws the account, then retries from the dashboard.
        yield* Ref.update(bank, (b) => ({ ...b, dave: 30 }))

        yield* promise(() => page.goto(`${base}/sagas/${failed.sagaId}`))
        yield* promise(() => page.locator("#steps").waitFor())
        assert.include(yield* promise(() => page.locator("h1").innerText()), "compensation_failed")
        assert.include(yield* promise(() => page.locator("main").innerText()), "no account dave")
        yield* shot(page, "saga-compensation-failed")
        yield* promise(() => page.getByRole("button", { name: "Retry compensation" }).click())
        // The form posts, and the answer (303) brings the same page back, without the button. This
        // adapter has no orchestrator (it is built beneath it), so the saga is reopened for recovery.
        yield* promise(() => page.locator("#retry-compensation").waitFor({ state: "detached" }))
        assert.match(page.url(), new RegExp(`/sagas/${failed.sagaId}$`))
        assert.include(yield* promise(() => page.locator("h1").innerText()), "compensating")
        // The app's next recovery pass runs the compensation.
        yield* SagaOrchestrator.recover
        yield* promise(() => page.reload())
        yield* promise(() => page.locator("#steps").waitFor())
        assert.match(yield* promise(() => page.locator("h1").innerText()), /compensated$/)
        const withdraw = yield* promise(() => page.locator('#steps tr[data-step="withdraw"]').innerText())
        assert.match(withdraw, /↩ compensation\s+completed\s+attempt 2/)
        assert.strictEqual((yield* Ref.get(bank)).dave, 50)
        assert.strictEqual((yield* SagaOrchestrator.status(failed.sagaId)).status, "compensated")
        yield* shot(page, "saga-compensation-retried")
      })
    )
  )
})
