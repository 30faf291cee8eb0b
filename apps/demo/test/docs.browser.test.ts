// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright locators, whose innerText is the rendered text a person sees
/**
 * `/docs` in a real headless Chromium (Debian's `/usr/bin/chromium`, as the adapter's browser tests
 * use): Swagger UI renders every operation of `/openapi.json` from the server's own files, and
 * "Try it out" on `POST /orders` creates an order (201). A screenshot is kept in `.artifacts/`.
 */
import { mkdirSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type BrowserContext, chromium } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Demo, startDemo } from "./support/demo.js"

let demo: Demo
let browser: BrowserContext
let profile: string
const artifacts = new URL("../.artifacts/", import.meta.url).pathname

beforeAll(async () => {
  demo = await startDemo()
  profile = await mkdtemp(join(tmpdir(), "cello-docs-chromium-"))
  // A fresh profile; playwright never downloads a browser, it drives the system one.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 1600 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await rm(profile, { recursive: true, force: true })
  await demo.stop()
})

const operationCount = (doc: unknown): number => {
  const paths = typeof doc === "object" && doc !== null && "paths" in doc ? doc.paths : {}
  return Object.values(typeof paths === "object" && paths !== null ? paths : {}).reduce<number>(
    (sum, item) => sum + Object.keys(typeof item === "object" && item !== null ? item : {}).length,
    0
  )
}

describe("/docs in Chromium", () => {
  it("renders every documented operation, and Try it out on POST /orders answers 201", async () => {
    const doc: unknown = await (await fetch(`${demo.url}/openapi.json`)).json()
    const page = await browser.newPage()
    const refused: Array<string> = []
    const requests: Array<string> = []
    page.on("console", (message) => {
      if (message.type() === "error") refused.push(message.text())
    })
    page.on("request", (request) => {
      requests.push(request.url())
    })
    const answer = await page.goto(`${demo.url}/docs`)
    expect(answer?.status()).toBe(200)
    await page.locator(".opblock").first().waitFor()
    expect(await page.locator(".opblock").count()).toBe(operationCount(doc))
    expect(await page.locator(".opblock-summary-path", { hasText: /^\/orders$/ }).count()).toBe(2)

    const create = page.locator("#operations-commands-CreateOrder")
    await create.locator(".opblock-summary").click()
    const body = create.locator("textarea.body-param__text")
    await body.fill(JSON.stringify({ product: "Widget", quantity: 2, price: 3.5 }))
    await create.locator("button.execute").click()
    const status = create.locator(".live-responses-table tr.response .response-col_status").first()
    await status.waitFor()
    expect((await status.innerText()).trim()).toMatch(/^201/)
    expect(
      await create.locator(".live-responses-table tr.response .response-col_description").first().innerText()
    ).toContain("order_id")
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: join(artifacts, "docs-try-it-out.png"), fullPage: false })
    // Nothing was refused by the page's CSP, and nothing was loaded from another origin.
    expect(refused).toEqual([])
    expect(requests.filter((url) => !url.startsWith(demo.url))).toEqual([])
    await page.close()
  }, 60_000)
})
