/** What a newcomer sees in the terminal: one banner line, no line per request, a goodbye. */
import { expect, it } from "vitest"
import { client, startDemo } from "./support/demo.js"

it("prints one banner line listing its URLs, nothing per request at the default level, and a goodbye", async () => {
  const demo = await startDemo({ CELLO_LOG_LEVEL: "Info" })
  const api = client(demo.url)
  expect((await api.get("/health")).status).toBe(200)
  expect((await api.get("/")).status).toBe(200)
  await demo.stop()
  expect(demo.output().trim().split("\n")).toEqual([
    `Cello demo on ${demo.url} (store: memory) · API ${demo.url}/ · docs /docs · dev pages off ` +
      `(CELLO_DEV_PAGES=true turns them on outside production) · health /health · metrics /metrics`,
    "Cello demo stopped"
  ])
}, 60_000)
