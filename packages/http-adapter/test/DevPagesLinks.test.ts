/**
 * The dev pages' links and searches over HTTP: where an event's cause leads, how a search is
 * bounded and goes on, that every searched or linked id is escaped, and the saga list's feed.
 */
import { Checkpoint, EventStore } from "@cello/eventsourcing"
import { SagaStore } from "@cello/saga"
import { MemoryStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { HttpServer } from "effect/http"
import * as Causes from "../src/devpages/causes.js"
import * as Scan from "../src/devpages/scan.js"
import { HttpAdapter } from "../src/index.js"
import { baseUrl } from "./support.js"

const App = HttpAdapter.make<never>({ routes: [], devPages: true }).pipe(
  Layer.provideMerge(MemoryStore.layer),
  Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
)
const Served = HttpAdapter.serve(App, { host: "127.0.0.1", port: 0 })

const get = (base: string, path: string) =>
  Effect.promise(async () => {
    const response = await fetch(`${base}${path}`, { redirect: "manual" })
    return {
      status: response.status,
      location: response.headers.get("location"),
      html: await response.text()
    }
  })

const newSaga = (id: string, correlationId: string, name = "ship") =>
  SagaStore.SagaStore.use((store) =>
    store.create(
      { id, name, status: "running", context: {}, owner: "test", correlationId },
      [
        { index: 0, step: "pay", phase: "act", status: "completed", attempt: 1 },
        { index: 0, step: "pay", phase: "compensate", status: "completed", attempt: 1 }
      ],
      "1 minute"
    )
  )

describe("a saga cause", () => {
  it("reads as every split of saga id and step, the undoing first", () => {
    assert.deepStrictEqual(Causes.sagaSteps("saga:a:b:pay:compensate"), [
      { sagaId: "a", step: "b:pay", compensate: true },
      { sagaId: "a", step: "b:pay:compensate", compensate: false },
      { sagaId: "a:b", step: "pay", compensate: true },
      { sagaId: "a:b", step: "pay:compensate", compensate: false },
      { sagaId: "a:b:pay", step: "compensate", compensate: false }
    ])
    assert.deepStrictEqual(Causes.sagaSteps("0190-command-id"), [])
    assert.strictEqual(Causes.label("saga:s1:withdraw:compensate"), "saga s1 · undoing step withdraw")
  })
})

describe("dev page links", () => {
  it.live("an event's cause leads to the saga step, the causing event, or a search", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      // A saga id holding `:`: the store says which reading is a saga.
      yield* newSaga("order:7", "req-1")
      const cause = Causes.ofStep("order:7", "pay", true)
      const [placed] = (yield* EventStore.append("Order-7", [{ type: "Placed", data: {} }])).events
      const [refunded] = (yield* EventStore.append("Order-7", [
        { type: "Refunded", data: {}, metadata: { correlationId: "req-1", causationId: cause } }
      ])).events

      const toStep = yield* get(base, `/causes/${encodeURIComponent(cause)}`)
      assert.strictEqual(toStep.status, 303)
      assert.strictEqual(toStep.location, "/sagas/order%3A7#step-pay")
      const toEvent = yield* get(base, `/causes/${placed?.eventId}`)
      assert.strictEqual(toEvent.location, "/events/streams/Order-7#v1")
      const toSearch = yield* get(base, "/causes/cmd-42")
      assert.strictEqual(toSearch.location, "/events?q=cmd-42")
      // The search takes a cause, and a saga id holding `:`.
      for (const q of [cause, "order:7"]) {
        const found = yield* get(base, `/events?q=${encodeURIComponent(q)}`)
        assert.deepStrictEqual(
          Array.from(
            found.html.matchAll(
              /<article class="event" id="e-[^"]*" data-version="\d+" data-event-id="([^"]+)"/g
            ),
            (m) => m[1]
          ),
          [refunded?.eventId],
          q
        )
      }

      // The saga's page links the step to the event it appended, and the saga to its correlation.
      const saga = yield* get(base, "/sagas/order%3A7")
      assert.include(saga.html, `href="/correlations/req-1"`)
      assert.match(
        saga.html,
        /<td class="compensation">.*<a class="event-link" href="\/events\/streams\/Order-7#v2">Refunded<\/a>/
      )
      // The page says how far it looked for the steps' events.
      assert.include(saga.html, "found by their cause in 2 events read from the start of the log.")
    }).pipe(Effect.provide(Layer.fresh(Served)))
  )

  it.live("a search reads a bounded number of events and says where to go on", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      for (const id of ["a", "b", "c", "d", "e", "f"])
        yield* EventStore.append(`Box-${id}`, [
          { type: "Filled", data: {} },
          { type: "Shut", data: {} }
        ])
      const shut = (event: { readonly type: string }) => event.type === "Shut"
      const first = yield* Scan.scan(store, shut, { limit: 100, budget: 5 })
      assert.strictEqual(first.scanned, 5)
      assert.deepStrictEqual(
        first.events.map((e) => e.streamId),
        ["Box-a", "Box-b"]
      )
      assert.isTrue(Option.isSome(first.next))
      const rest = yield* Scan.scan(store, shut, {
        limit: 100,
        budget: 50,
        after: Option.getOrElse(first.next, () => Checkpoint.start)
      })
      assert.deepStrictEqual(
        rest.events.map((e) => e.streamId),
        ["Box-c", "Box-d", "Box-e", "Box-f"]
      )
      assert.isTrue(Option.isNone(rest.next))
      // A page of matches stops the search too, with a place to go on from.
      const two = yield* Scan.scan(store, shut, { limit: 2 })
      assert.deepStrictEqual([two.events.length, two.scanned, Option.isSome(two.next)], [2, 4, true])
    }).pipe(Effect.provide(Layer.fresh(MemoryStore.layer)))
  )

  it.live("searched, filtered and linked ids are escaped", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      const hostile = `"><script>window.__pwned=1</script>`
      yield* newSaga("s-1", hostile)
      yield* EventStore.append("Box-1", [{ type: "Filled", data: {}, metadata: { correlationId: hostile } }])
      const q = encodeURIComponent(hostile)
      for (const path of [
        `/events?q=${q}&type=${q}&category=${q}`,
        `/correlations/${q}`,
        `/sagas?name=${q}`
      ]) {
        const page = yield* get(base, path)
        assert.strictEqual(page.status, 200, path)
        assert.notInclude(page.html, "<script>window.__pwned", path)
        assert.include(page.html, "&#60;script&#62;window.__pwned=1", path)
      }
      const correlation = yield* get(base, `/correlations/${q}`)
      assert.include(correlation.html, `data-id="s-1"`)
      assert.strictEqual((correlation.html.match(/<article class="event"/g) ?? []).length, 1)
    }).pipe(Effect.provide(Layer.fresh(Served)))
  )

  it.live("the saga list's feed sends the filtered list, and again when it changes", () =>
    Effect.gen(function* () {
      const base = yield* baseUrl
      assert.strictEqual((yield* get(base, "/sagas/feed?status=bogus")).status, 400)
      yield* newSaga("s-1", "c")
      const abort = new AbortController()
      const response = yield* Effect.promise(() =>
        fetch(`${base}/sagas/feed?name=ship`, { signal: abort.signal })
      )
      assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/)
      const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ""
      const nextList = () =>
        Effect.promise(async () => {
          while (reader !== undefined) {
            const frame = /event: sagas\ndata: (.*)\n\n/.exec(buffer)
            if (frame?.[1] !== undefined) {
              buffer = buffer.slice((frame.index ?? 0) + frame[0].length)
              const list: unknown = JSON.parse(frame[1])
              return Array.isArray(list) ? list.map((saga: unknown) => Reflect.get(Object(saga), "id")) : []
            }
            const chunk = await reader.read()
            if (chunk.done) break
            buffer += chunk.value
          }
          return []
        })
      assert.deepStrictEqual(yield* nextList(), ["s-1"])
      // Another type does not change the list; the next saga of this type does.
      yield* newSaga("b-1", "c", "bill")
      yield* newSaga("s-2", "c")
      assert.deepStrictEqual(yield* nextList(), ["s-2", "s-1"])
      abort.abort()
    }).pipe(Effect.provide(Layer.fresh(Served)))
  )

  it.live("a shutdown ends open tails and saga feeds, so it does not wait on an open tab", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(Served, scope)
      const base = HttpServer.formatAddress(Context.get(context, HttpServer.HttpServer).address)
      const open = (path: string) =>
        Effect.promise(async () => {
          const response = await fetch(`${base}${path}`)
          const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader()
          // Read to the end: it ends only when the server ends it.
          const ended = (async () => {
            let text = ""
            while (reader !== undefined) {
              const chunk = await reader.read()
              if (chunk.done) return text
              text += chunk.value
            }
            return text
          })()
          // In an object: an async function returning a promise would wait for it.
          return { ended }
        })
      const tail = yield* open("/events/tail")
      const feed = yield* open("/sagas/feed")
      yield* Scope.close(scope, Exit.void)
      assert.include(yield* Effect.promise(() => tail.ended), "retry: 2000")
      assert.include(yield* Effect.promise(() => feed.ended), "retry: 2000")
    })
  )
})
