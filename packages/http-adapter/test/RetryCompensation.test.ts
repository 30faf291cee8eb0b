/**
 * `POST /sagas/:id/retry-compensation`, the saga dashboard's retry button: only with dev pages on,
 * only for a `compensation_failed` saga, only from the same origin; through the orchestrator when
 * it knows the saga, otherwise reopened in the store for any instance's recovery.
 */
import { Saga, SagaOrchestrator } from "@cello/saga"
import { MemorySagaStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Schema } from "effect"
import { HttpAdapter } from "../src/index.js"

class Frozen extends Schema.TaggedError<Frozen>()("Frozen", {}) {}

/** The refund fails (not transient: not retried) while `world.frozen`. */
const world = { frozen: true, refunds: 0 }
const Refund = Saga.make({
  name: "refund",
  context: Schema.Struct({ n: Schema.Number }),
  steps: [
    {
      name: "charge",
      action: (c) => Effect.succeed(c),
      compensate: () =>
        world.frozen
          ? Effect.fail(new Frozen())
          : Effect.sync(() => {
              world.refunds++
            })
    },
    { name: "ship", action: () => Effect.fail(new Frozen()) }
  ]
})

const failedSaga = (id: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      world.frozen = true
      const result = yield* SagaOrchestrator.execute(Refund, { n: 1 }, { id })
      assert.strictEqual(result.status, "compensation_failed")
    })
  )

/** The adapter with dev pages as asked, over an orchestrator (or only the store) and a failed saga. */
const web = (options: { readonly devPages: boolean; readonly orchestrator: boolean }) => {
  const orchestrator = SagaOrchestrator.layer({ sagas: [Refund] })
  const stores = options.orchestrator
    ? failedSaga("s-1").pipe(Layer.provideMerge(orchestrator), Layer.provideMerge(MemorySagaStore.layer))
    : failedSaga("s-1").pipe(Layer.provide(orchestrator), Layer.provideMerge(MemorySagaStore.layer))
  return HttpAdapter.toWebHandler(
    HttpAdapter.make<never>({ routes: [], devPages: options.devPages }).pipe(
      Layer.provideMerge(stores),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
    )
  )
}

const post = (
  handler: (r: Request) => Promise<Response>,
  path: string,
  headers: Record<string, string> = {}
) =>
  Effect.promise(async () => {
    const response = await handler(
      new Request(`http://test${path}`, { method: "POST", headers: { host: "test", ...headers } })
    )
    return {
      status: response.status,
      location: response.headers.get("location"),
      html: await response.text()
    }
  })

const get = (handler: (r: Request) => Promise<Response>, path: string) =>
  Effect.promise(async () => (await handler(new Request(`http://test${path}`))).text())

describe("the saga dashboard's retry of a compensation_failed saga", () => {
  it.live(
    "shows the button only on a compensation_failed saga, and runs the compensations through the orchestrator",
    () =>
      Effect.gen(function* () {
        const { handler, dispose } = web({ devPages: true, orchestrator: true })
        const page = yield* get(handler, "/sagas/s-1")
        assert.include(
          page,
          `<form method="post" action="/sagas/s-1/retry-compensation" id="retry-compensation"`
        )

        // From another origin: refused, nothing runs.
        world.frozen = false
        const before = world.refunds
        const foreign = yield* post(handler, "/sagas/s-1/retry-compensation", {
          origin: "http://evil.example"
        })
        assert.strictEqual(foreign.status, 403)
        const fetchSite = yield* post(handler, "/sagas/s-1/retry-compensation", {
          "sec-fetch-site": "cross-site"
        })
        assert.strictEqual(fetchSite.status, 403)
        assert.strictEqual(world.refunds, before)

        const retried = yield* post(handler, "/sagas/s-1/retry-compensation", { origin: "http://test" })
        assert.strictEqual(retried.status, 303)
        assert.strictEqual(retried.location, "/sagas/s-1")
        assert.strictEqual(world.refunds, before + 1)
        const after = yield* get(handler, "/sagas/s-1")
        assert.include(after, '<span class="badge s-compensated">compensated</span></h1>')
        assert.notInclude(after, "retry-compensation")

        // Nothing left to retry: 409; an unknown saga: 404.
        assert.strictEqual((yield* post(handler, "/sagas/s-1/retry-compensation")).status, 409)
        assert.strictEqual((yield* post(handler, "/sagas/nope/retry-compensation")).status, 404)
        yield* Effect.promise(dispose)
      })
  )

  it.live("without an orchestrator, reopens the saga in the store for any instance's recovery", () =>
    Effect.gen(function* () {
      const { handler, dispose } = web({ devPages: true, orchestrator: false })
      const reopened = yield* post(handler, "/sagas/s-1/retry-compensation")
      assert.strictEqual(reopened.status, 303)
      assert.include(
        yield* get(handler, "/sagas/s-1"),
        '<span class="badge s-compensating">compensating</span></h1>'
      )
      yield* Effect.promise(dispose)
    })
  )

  it.live("does not exist with dev pages off", () =>
    Effect.gen(function* () {
      const { handler, dispose } = web({ devPages: false, orchestrator: true })
      assert.strictEqual((yield* post(handler, "/sagas/s-1/retry-compensation")).status, 404)
      yield* Effect.promise(dispose)
    })
  )
})
