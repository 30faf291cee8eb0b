// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright locators, whose innerText is the rendered text a person sees
/**
 * The dev pages' lists in headless Chromium: the event browser's filters, search and stream paging,
 * and the streams table, counts and saga list following the stores without a reload.
 */
import { EventStore } from "@cello/eventsourcing"
import { Saga, SagaOrchestrator } from "@cello/saga"
import { MemoryStore } from "@cello/store-memory"
import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Schema } from "effect"
import type { Page } from "playwright-core"
import { HttpAdapter } from "../src/index.js"
import { Browser } from "./chromium.js"
import { baseUrl } from "./support.js"

const Parcel = Schema.Struct({ parcel: Schema.String })
const step = { name: "note", action: (p: typeof Parcel.Type) => Effect.succeed(p) }
const Ship = Saga.make({ name: "ship", context: Parcel, steps: [step] })
const Bill = Saga.make({ name: "bill", context: Parcel, steps: [step] })

const App = HttpAdapter.make<never>({ routes: [], devPages: true }).pipe(
  Layer.provideMerge(MemoryStore.layer),
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
)
const Env = Layer.mergeAll(
  SagaOrchestrator.layer({ sagas: [Ship, Bill] }).pipe(
    Layer.provideMerge(HttpAdapter.serve(App, { host: "127.0.0.1", port: 0 }))
  ),
  Browser.layer
)

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)
const shot = (page: Page, name: string) =>
  promise(() => page.screenshot({ path: `/tmp/cello-devpages-${name}.png`, fullPage: true }))

const withPage = <A, E, R>(f: (page: Page, base: string) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const base = yield* baseUrl
    const browser = yield* Browser
    const page = yield* Effect.acquireRelease(
      Effect.promise(() => browser.newPage()),
      (p) => Effect.promise(() => p.close())
    )
    return yield* f(page, base)
  })

/** The streams table as `stream count` pairs, top to bottom. */
const streamRows = (page: Page) =>
  promise(() =>
    page
      .locator("#streams tbody tr")
      .evaluateAll((rows) =>
        rows.map((row) => [row.children[0]?.textContent ?? "", row.children[1]?.textContent ?? ""].join(" "))
      )
  )

const sameDocument = (page: Page) =>
  promise(() => page.evaluate(() => Reflect.set(globalThis, "__sameDocument", true)))
const stillSameDocument = (page: Page) =>
  promise(() => page.evaluate(() => Reflect.get(globalThis, "__sameDocument")))

layer(Env, { timeout: 60_000, excludeTestServices: true })("dev page lists in headless Chromium", (it) => {
  it.effect("the event browser filters by category and type, and its table and counts follow live", () =>
    withPage((page, base) =>
      Effect.gen(function* () {
        yield* EventStore.append("Parcel-1", [
          { type: "Packed", data: {} },
          { type: "Sent", data: {} }
        ])
        yield* EventStore.append("Parcel-2", [{ type: "Packed", data: {} }])
        yield* EventStore.append("Till-1", [{ type: "Packed", data: {} }])

        yield* promise(() => page.goto(`${base}/events`))
        yield* promise(() => page.locator("#filter-category").selectOption("Parcel"))
        yield* promise(() => page.locator("#filter-type").selectOption("Packed"))
        yield* promise(() => page.locator("#filters button[type=submit]").click())
        yield* promise(() => page.waitForURL(/\/events\?category=Parcel&type=Packed&q=$/))
        assert.deepStrictEqual(yield* streamRows(page), ["Parcel-2 1", "Parcel-1 1"])
        assert.strictEqual(
          yield* promise(() => page.locator("#counts").innerText()),
          "2 matching events in 2 streams."
        )
        assert.deepStrictEqual(yield* promise(() => page.locator("#matches .stream-link").allInnerTexts()), [
          "Parcel-1",
          "Parcel-2"
        ])

        yield* promise(() => page.locator('#tail-status[data-state="live"]').waitFor())
        yield* sameDocument(page)
        // Only what the filters keep joins the lists; a new category and type join the filters.
        yield* EventStore.append("Till-2", [{ type: "Packed", data: {} }])
        yield* EventStore.append("Parcel-1", [{ type: "Sent", data: {} }])
        yield* EventStore.append("Crate-1", [{ type: "Stacked", data: {} }])
        yield* EventStore.append("Parcel-3", [{ type: "Packed", data: {} }])
        yield* promise(() => page.locator('#streams tr[data-stream="Parcel-3"]').waitFor())
        assert.deepStrictEqual(yield* streamRows(page), ["Parcel-3 1", "Parcel-2 1", "Parcel-1 1"])
        assert.strictEqual(
          yield* promise(() => page.locator("#counts").innerText()),
          "3 matching events in 3 streams."
        )
        assert.includeMembers(yield* promise(() => page.locator("#filter-category option").allInnerTexts()), [
          "Crate",
          "Parcel",
          "Till"
        ])
        assert.include(yield* promise(() => page.locator("#filter-type option").allInnerTexts()), "Stacked")
        assert.deepStrictEqual(yield* promise(() => page.locator("#tail .stream-link").allInnerTexts()), [
          "Parcel-3"
        ])
        assert.isTrue(yield* stillSameDocument(page))
        yield* shot(page, "filtered")

        // Unfiltered, a stream written again moves to the top with its new count.
        yield* promise(() => page.goto(`${base}/events`))
        yield* promise(() => page.locator('#tail-status[data-state="live"]').waitFor())
        const before = yield* promise(() => page.locator("#counts").innerText())
        yield* EventStore.append("Parcel-2", [{ type: "Sent", data: {} }])
        yield* promise(() =>
          page.locator("#streams tbody tr").first().filter({ hasText: "Parcel-2" }).waitFor()
        )
        assert.strictEqual((yield* streamRows(page))[0], "Parcel-2 2")
        const events = (text: string) => Number(/^(\d+) events/.exec(text)?.[1])
        assert.strictEqual(
          events(yield* promise(() => page.locator("#counts").innerText())),
          events(before) + 1
        )
      })
    )
  )

  it.effect("the search finds events by event id, stream id and correlation id; long streams page", () =>
    withPage((page, base) =>
      Effect.gen(function* () {
        const long = yield* EventStore.append(
          "Ledger-1",
          Array.from({ length: 230 }, (_, i) => ({
            type: "Entered",
            data: { line: i + 1 },
            metadata: { correlationId: i < 3 ? "batch-7" : "batch-8" }
          }))
        )
        const fifth = long.events[4]
        assert.isDefined(fifth)
        const search = (q: string) =>
          promise(async () => {
            await page.goto(`${base}/events`)
            await page.locator("#filter-q").fill(q)
            await page.locator("#filters button[type=submit]").click()
            await page.locator("#search-names").waitFor()
          })

        yield* search(fifth?.eventId ?? "")
        assert.deepStrictEqual(
          yield* promise(() =>
            page
              .locator("#matches article.event")
              .evaluateAll((cards) => cards.map((c) => c.getAttribute("data-version")))
          ),
          ["5"]
        )
        yield* search("Ledger-1")
        assert.strictEqual(
          yield* promise(() => page.locator("#search-names a.stream-link").innerText()),
          "Ledger-1"
        )
        // 230 match: the first 100, and a link to go on.
        assert.strictEqual(yield* promise(() => page.locator("#matches article.event").count()), 100)
        yield* promise(() => page.locator("a.more").click())
        yield* promise(() => page.locator("#matches article.event").first().waitFor())
        assert.strictEqual(
          yield* promise(() => page.locator("#matches article.event").first().getAttribute("data-version")),
          "101"
        )
        yield* search("batch-7")
        assert.strictEqual(yield* promise(() => page.locator("#matches article.event").count()), 3)
        yield* promise(() => page.locator("#search-names a.correlation-link").click())
        yield* promise(() => page.locator("#correlation-id").waitFor())
        assert.strictEqual(yield* promise(() => page.locator("#events article.event").count()), 3)

        yield* promise(() => page.goto(`${base}/events/streams/Ledger-1`))
        assert.strictEqual(yield* promise(() => page.locator("article.event").count()), 100)
        yield* promise(() => page.locator("#pager").getByRole("link", { name: "last" }).click())
        yield* promise(() => page.waitForURL(/from=201$/))
        const versions = yield* promise(() =>
          page
            .locator("article.event")
            .evaluateAll((cards) => cards.map((c) => Number(c.getAttribute("data-version"))))
        )
        assert.deepStrictEqual([versions.length, versions[0], versions.at(-1)], [30, 201, 230])
        yield* promise(() => page.locator("#pager").getByRole("link", { name: "← earlier" }).click())
        yield* promise(() => page.waitForURL(/from=101$/))
        yield* promise(() => page.locator("#pager").getByRole("link", { name: "first" }).click())
        yield* promise(() => page.waitForURL(/Ledger-1$/))
        assert.strictEqual(
          yield* promise(() => page.locator("article.event").first().getAttribute("data-version")),
          "1"
        )
      })
    )
  )

  it.effect("the saga list filters by type and status and shows new sagas without a reload", () =>
    withPage((page, base) =>
      Effect.gen(function* () {
        const first = yield* SagaOrchestrator.execute(Ship, { parcel: "p1" })
        yield* SagaOrchestrator.execute(Bill, { parcel: "p1" })

        yield* promise(() => page.goto(`${base}/sagas`))
        yield* promise(() =>
          page.locator("#filter-name").getByRole("link", { name: "ship", exact: true }).click()
        )
        yield* promise(() => page.waitForURL(/\/sagas\?name=ship$/))
        yield* promise(() =>
          page.locator("#filter-status").getByRole("link", { name: "completed", exact: true }).click()
        )
        yield* promise(() => page.waitForURL(/\/sagas\?name=ship&status=completed$/))
        const ids = () =>
          promise(() =>
            page.locator("#sagas tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")))
          )
        assert.deepStrictEqual(yield* ids(), [first.sagaId])

        yield* promise(() => page.locator('#sagas-status[data-state="live"]').waitFor())
        yield* sameDocument(page)
        yield* SagaOrchestrator.execute(Bill, { parcel: "p2" })
        const next = yield* SagaOrchestrator.execute(Ship, { parcel: "p2" })
        yield* promise(() => page.locator(`#sagas tbody tr[data-id="${next.sagaId}"]`).waitFor())
        assert.deepStrictEqual(yield* ids(), [next.sagaId, first.sagaId])
        assert.match(
          yield* promise(() => page.locator(`#sagas tbody tr[data-id="${next.sagaId}"]`).innerText()),
          /ship\s+completed/
        )
        assert.isTrue(yield* stillSameDocument(page))
        yield* shot(page, "sagas-live")
      })
    )
  )
})
