/** Debian's `/usr/bin/chromium`, headless, for the browser tests: a fresh profile per run. */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Context, Effect, Layer } from "effect"
import { type BrowserContext, chromium } from "playwright-core"

export class Browser extends Context.Service<Browser, BrowserContext>()("test/Browser") {
  // A fresh profile per run; playwright never downloads a browser, it drives the system one.
  static readonly layer = Layer.effect(
    Browser,
    Effect.acquireRelease(
      Effect.promise(async () => {
        const profile = await mkdtemp(join(tmpdir(), "cello-chromium-"))
        const context = await chromium.launchPersistentContext(profile, {
          executablePath: "/usr/bin/chromium",
          headless: true,
          viewport: { width: 1280, height: 900 },
          args: [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync"
          ]
        })
        return { context, profile }
      }),
      ({ context, profile }) =>
        Effect.promise(async () => {
          await context.close()
          await rm(profile, { recursive: true, force: true })
        })
    ).pipe(Effect.map(({ context }) => context))
  )
}
