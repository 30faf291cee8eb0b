import { Checkpoint, EventStore, StoreUnavailable } from "@cello/eventsourcing"
import { MemoryEventStore, MemorySagaStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { HttpAdapter } from "../src/index.js"
import { at, baseUrl } from "./support.js"

/** The dev pages over the given stores, with exactly these environment variables. */
const app = <A>(env: Record<string, string>, stores: Layer.Layer<A>, devPages?: boolean) =>
  HttpAdapter.make<never>({ routes: [], ...(devPages === undefined ? {} : { devPages }) }).pipe(
    Layer.provideMerge(stores),
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))
  )

const statusOf = async (handler: (request: Request) => Promise<Response>, path: string) => {
  const response = await handler(new Request(`http://test${path}`))
  await response.body?.cancel()
  return response.status
}

const pages = ["/events", "/events/streams/s", "/events/tail", "/sagas", "/sagas/x", "/sagas?status=bogus"]

const statuses = (env: Record<string, string>, devPages?: boolean) =>
  Effect.promise(async () => {
    const { handler, dispose } = HttpAdapter.toWebHandler(
      app(env, Layer.merge(MemoryEventStore.layer, MemorySagaStore.layer), devPages)
    )
    const result: Array<number> = []
    for (const path of pages) result.push(await statusOf(handler, path))
    await dispose()
    return result
  })

describe("development mode", () => {
  it.live("is off unless enabled: every dev page answers 404", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* statuses({}), [404, 404, 404, 404, 404, 404])
      assert.deepStrictEqual(
        yield* statuses({ CELLO_DEV_PAGES: "true" }, false),
        [404, 404, 404, 404, 404, 404]
      )
    })
  )

  it.live("is on with devPages: true or CELLO_DEV_PAGES=true", () =>
    Effect.gen(function* () {
      // The stream and saga ids are unknown (404 as HTML), and "bogus" is no saga status (400).
      const on = [200, 404, 200, 200, 404, 400]
      assert.deepStrictEqual(yield* statuses({}, true), on)
      assert.deepStrictEqual(yield* statuses({ CELLO_DEV_PAGES: "true" }), on)
    })
  )

  it.live("is always off in production, whatever the spelling, even when enabled", () =>
    Effect.gen(function* () {
      const off = [404, 404, 404, 404, 404, 404]
      for (const NODE_ENV of ["production", "Production", "PRODUCTION", " production ", "pRoDuCtIoN"]) {
        assert.deepStrictEqual(yield* statuses({ NODE_ENV }, true), off, NODE_ENV)
        assert.deepStrictEqual(yield* statuses({ NODE_ENV, CELLO_DEV_PAGES: "true" }), off, NODE_ENV)
      }
    })
  )

  it.live("is strictly opt-in: no other setting turns them on", () =>
    Effect.gen(function* () {
      const off = [404, 404, 404, 404, 404, 404]
      for (const env of [
        { NODE_ENV: "development" },
        { CELLO_DEV_PAGES: "false" },
        { CELLO_DEV_PAGES: "maybe" }
      ])
        assert.deepStrictEqual(yield* statuses(env), off, JSON.stringify(env))
    })
  )
})

/** An event store and a saga store that fail as a lost database does, naming its host in the error. */
const brokenStores = Layer.effect(
  EventStore.EventStore,
  Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    const down = new StoreUnavailable({
      store: "postgres",
      operation: "read",
      detail: "127.0.0.1:15433/sec_demo_outage: ConnectionError: connect ECONNREFUSED"
    })
    return EventStore.EventStore.of({
      ...store,
      readAll: () => Effect.fail(down),
      readStream: () => Effect.fail(down),
      head: Effect.fail(down)
    })
  })
).pipe(Layer.provide(MemoryEventStore.layer))

describe("dev pages over HTTP", () => {
  it.live("answer a store outage with 503 and no internals (host, port, schema, driver error)", () =>
    Effect.promise(async () => {
      const { handler, dispose } = HttpAdapter.toWebHandler(
        app({}, Layer.merge(brokenStores, MemorySagaStore.layer), true)
      )
      for (const path of ["/events", "/events/streams/s"]) {
        const response = await handler(new Request(`http://test${path}`))
        const html = await response.text()
        assert.strictEqual(response.status, 503, path)
        assert.include(html, "The event store is unavailable; try again later.")
        for (const secret of [
          "127.0.0.1",
          "15433",
          "sec_demo_outage",
          "ECONNREFUSED",
          "ConnectionError",
          "postgres"
        ])
          assert.notInclude(html, secret, `${path} shows ${secret}`)
      }
      await dispose()
    })
  )

  it.live("say so when no SagaStore is provided, instead of failing", () =>
    Effect.promise(async () => {
      const { handler, dispose } = HttpAdapter.toWebHandler(app({}, MemoryEventStore.layer, true))
      const response = await handler(new Request("http://test/sagas"))
      const html = await response.text()
      await dispose()
      assert.strictEqual(response.status, 200)
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/)
      assert.include(html, "No <code>SagaStore</code> is provided")
    })
  )

  it.live("escape stored text and forbid any script but the page's own", () =>
    Effect.gen(function* () {
      const hostile = `<script>window.__pwned=1</script>"'&`
      const { handler, dispose } = HttpAdapter.toWebHandler(
        Layer.effectDiscard(
          EventStore.append(hostile, [{ type: "Noted", data: { note: `</pre><img src=x onerror="x()">` } }])
        ).pipe(Layer.provideMerge(app({}, MemoryEventStore.layer, true)))
      )
      const page = async (path: string) => {
        const response = await handler(new Request(`http://test${path}`))
        return {
          status: response.status,
          csp: response.headers.get("content-security-policy"),
          html: await response.text()
        }
      }
      const index = yield* Effect.promise(() => page("/events"))
      const stream = yield* Effect.promise(() => page(`/events/streams/${encodeURIComponent(hostile)}`))
      yield* Effect.promise(dispose)
      assert.strictEqual(stream.status, 200)
      for (const { html } of [index, stream]) {
        assert.notInclude(html, "<script>window.__pwned")
        assert.include(html, "&#60;script&#62;window.__pwned=1&#60;/script&#62;&#34;&#39;&#38;")
      }
      assert.notInclude(stream.html, "<img")
      assert.match(index.csp ?? "", /script-src 'sha256-[A-Za-z0-9+/=]+'/)
      assert.include(stream.csp ?? "", "script-src 'none'")
    })
  )
})

/** A tail over real HTTP: `frames(n)` reads the next n events' JSON, `close` hangs up. */
const openTail = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const abort = new AbortController()
    const response = await fetch(url, { headers, signal: abort.signal })
    const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ""
    const frames = async (n: number) => {
      const found: Array<unknown> = []
      while (found.length < n && reader !== undefined) {
        const cut = buffer.indexOf("\n\n")
        if (cut >= 0) {
          const frame = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          const data = /^data: (.*)$/m.exec(frame)?.[1]
          if (/^event: event$/m.test(frame) && data !== undefined) found.push(JSON.parse(data))
          continue
        }
        const chunk = await reader.read()
        if (chunk.done) break
        buffer += chunk.value
      }
      return found
    }
    return { response, frames, close: () => abort.abort() }
  })

const streamIds = (frames: ReadonlyArray<unknown>) => frames.map((frame) => at(frame, "streamId"))

describe("the live tail (Server-Sent Events)", () => {
  const Served = HttpAdapter.serve(app({}, MemoryEventStore.layer, true), { host: "127.0.0.1", port: 0 })

  it.live(
    "follows appends from the head, and resumes after Last-Event-ID or ?from= with no gap or duplicate",
    () =>
      Effect.gen(function* () {
        const base = yield* baseUrl
        const written = yield* Effect.forEach(["a", "b", "c"], (id) =>
          EventStore.append(id, [{ type: "Happened", data: { id }, metadata: { correlationId: "k" } }])
        )
        const afterA = Checkpoint.encode(written[0]?.checkpoint ?? Checkpoint.start)

        const live = yield* openTail(`${base}/events/tail`)
        assert.strictEqual(live.response.status, 200)
        assert.match(live.response.headers.get("content-type") ?? "", /^text\/event-stream/)
        yield* EventStore.append("d", [{ type: "Happened", data: { id: "d" } }])
        const [d] = yield* Effect.promise(() => live.frames(1))
        live.close()
        assert.strictEqual(at(d, "streamId"), "d")
        assert.strictEqual(at(d, "type"), "Happened")
        assert.strictEqual(at(d, "streamVersion"), 1)
        assert.strictEqual(at(d, "position"), 4)
        assert.deepStrictEqual(at(d, "data"), { id: "d" })

        const resumed = yield* openTail(`${base}/events/tail`, { "last-event-id": afterA })
        assert.deepStrictEqual(streamIds(yield* Effect.promise(() => resumed.frames(3))), ["b", "c", "d"])
        resumed.close()
        const fromQuery = yield* openTail(`${base}/events/tail?from=${afterA}`)
        const [b] = yield* Effect.promise(() => fromQuery.frames(1))
        fromQuery.close()
        assert.strictEqual(at(b, "streamId"), "b")
        assert.deepStrictEqual(at(b, "metadata"), { correlationId: "k" })
      }).pipe(Effect.provide(Layer.fresh(Served)))
  )
})
