import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Ref } from "effect"
import { HttpAdapter } from "../src/index.js"
import { Bank, ServedSagas, sagaApp } from "./sagaApp.js"
import { at, baseUrl, call, json } from "./support.js"

const withSagas = <A, E, R>(f: (base: string) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(baseUrl, f).pipe(Effect.provide(Layer.fresh(ServedSagas)))

const balances = Bank.use(Ref.get)

describe("saga routes over HTTP", () => {
  it.live("a completing saga answers 201 with its result; its status reads back", () =>
    withSagas((base) =>
      Effect.gen(function* () {
        const done = yield* call(`${base}/transfers`, json({ from: "alice", to: "bob", amount: 30 }))
        assert.strictEqual(done.status, 201)
        const sagaId = String(at(done.body, "sagaId"))
        assert.deepStrictEqual(done.body, {
          sagaId,
          name: "transfer",
          status: "completed",
          stepsCompleted: ["withdraw", "deposit"],
          failedStep: null,
          error: null,
          compensatedSteps: [],
          compensationFailedStep: null,
          compensationError: null
        })
        assert.deepStrictEqual(yield* balances, { alice: 70, bob: 30 })
        const status = yield* call(`${base}/sagas/${sagaId}`)
        assert.strictEqual(status.status, 200)
        assert.deepStrictEqual(status.body, done.body)
      })
    )
  )

  it.live("a compensated saga answers a 409 problem carrying the result", () =>
    withSagas((base) =>
      Effect.gen(function* () {
        const refused = yield* call(`${base}/accounts/alice/transfers`, json({ to: "carol", amount: 50 }))
        assert.strictEqual(refused.status, 409)
        assert.strictEqual(refused.headers.get("content-type"), "application/problem+json")
        assert.strictEqual(at(refused.body, "type"), "urn:cello:problem:saga-compensated")
        assert.strictEqual(at(refused.body, "status"), 409)
        assert.strictEqual(at(refused.body, "saga", "status"), "compensated")
        assert.strictEqual(at(refused.body, "saga", "failedStep"), "deposit")
        assert.deepStrictEqual(at(refused.body, "saga", "stepsCompleted"), ["withdraw"])
        assert.deepStrictEqual(at(refused.body, "saga", "compensatedSteps"), ["withdraw"])
        assert.isString(at(refused.body, "saga", "error"))
        assert.deepStrictEqual(yield* balances, { alice: 100, bob: 0 })
        const status = yield* call(`${base}/sagas/${String(at(refused.body, "saga", "sagaId"))}`)
        assert.deepStrictEqual(status.body, at(refused.body, "saga"))
      })
    )
  )

  it.live("bad bodies: 422 naming the bad fields, 400 for malformed JSON; no saga runs", () =>
    withSagas((base) =>
      Effect.gen(function* () {
        const invalid = yield* call(`${base}/transfers`, json({ from: "alice", amount: "lots" }))
        assert.strictEqual(invalid.status, 422)
        assert.strictEqual(at(invalid.body, "type"), "urn:cello:problem:validation-error")
        const errors = at(invalid.body, "errors")
        const fields = Array.isArray(errors) ? errors.map((error: unknown) => at(error, "path")) : []
        assert.deepStrictEqual(fields.sort(), ["amount", "to"])
        const malformed = yield* call(`${base}/transfers`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"from": '
        })
        assert.strictEqual(malformed.status, 400)
        assert.strictEqual(at(malformed.body, "type"), "urn:cello:problem:malformed-json")
        assert.deepStrictEqual(yield* balances, { alice: 100, bob: 0 })
      })
    )
  )

  it.live("an unknown saga id is a 404 problem", () =>
    withSagas((base) =>
      Effect.gen(function* () {
        const missing = yield* call(`${base}/sagas/nope`)
        assert.strictEqual(missing.status, 404)
        assert.strictEqual(missing.headers.get("content-type"), "application/problem+json")
        assert.strictEqual(at(missing.body, "status"), 404)
      })
    )
  )

  it.live("/openapi.json documents the saga routes", () =>
    withSagas((base) =>
      Effect.gen(function* () {
        const doc = (yield* call(`${base}/openapi.json`)).body
        const run = at(doc, "paths", "/transfers", "post")
        assert.strictEqual(at(run, "operationId"), "transfer")
        assert.deepStrictEqual(at(run, "tags"), ["sagas"])
        assert.deepStrictEqual(Object.keys(at(run, "responses") ?? {}).sort(), [
          "201",
          "400",
          "403",
          "409",
          "413",
          "415",
          "422",
          "500",
          "503",
          "504"
        ])
        const body = at(run, "requestBody", "content", "application/json", "schema", "properties")
        assert.deepStrictEqual(Object.keys(body ?? {}).sort(), ["amount", "from", "to"])
        assert.deepStrictEqual(at(run, "responses", "201", "content", "application/json", "schema"), {
          $ref: "#/components/schemas/SagaResult"
        })
        assert.isObject(at(doc, "components", "schemas", "SagaResult"))
        const status = at(doc, "paths", "/sagas/{id}", "get")
        assert.deepStrictEqual(at(status, "tags"), ["sagas"])
        assert.isObject(at(status, "responses", "404"))
        assert.strictEqual(at(status, "parameters", "0", "name"), "id")
      })
    )
  )

  it.live("with dev pages on, sagaStatus at /sagas/:id takes the dashboard's saga page", () =>
    Effect.promise(async () => {
      const { handler, dispose } = HttpAdapter.toWebHandler(sagaApp(true))
      const missing = await handler(new Request("http://test/sagas/nope"))
      const list = await handler(new Request("http://test/sagas"))
      await dispose()
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(missing.headers.get("content-type"), "application/problem+json")
      assert.strictEqual(list.status, 200)
      assert.match(list.headers.get("content-type") ?? "", /^text\/html/)
    })
  )
})
