import { assert, describe, it } from "@effect/vitest"
import { Data, Effect, Schema } from "effect"
import { Saga, SagaOrchestrator, Transient } from "../src/index.js"
import { orchestrator } from "./fixtures.js"

class ConcurrencyError extends Data.TaggedError("ConcurrencyError")<{ readonly streamId: string }> {}
class InsufficientFunds extends Schema.TaggedError<InsufficientFunds>()("InsufficientFunds", {}) {}

describe("Transient", () => {
  const cases: ReadonlyArray<readonly [string, unknown, boolean]> = [
    ["a ConcurrencyError", new ConcurrencyError({ streamId: "s" }), true],
    ...["StoreUnavailable", "StepTimedOut", "TimeoutError", "CommandTimeout", "QueryTimeout"].map(
      (tag) => [`a ${tag}`, { _tag: tag }, true] as const
    ),
    ["a wrapper naming a transient errorTag", { _tag: "HandlerFailed", errorTag: "ConcurrencyError" }, true],
    ["a failure marked transient: true", { _tag: "Glitch", transient: true }, true],
    ["a typed domain failure", new InsufficientFunds(), false],
    ["a wrapper naming a domain errorTag", { _tag: "HandlerFailed", errorTag: "InsufficientFunds" }, false],
    ["transient: 'yes' (not true)", { _tag: "Glitch", transient: "yes" }, false],
    ["a defect's missing failure", undefined, false],
    ["a string", "ConcurrencyError", false]
  ]
  for (const [name, error, expected] of cases)
    it(`isTransient: ${name} → ${expected}`, () => assert.strictEqual(Transient.isTransient(error), expected))

  it("withTags builds a predicate from other tags (plus the errorTag and transient marker rules)", () => {
    const retryOn = Transient.withTags(["InsufficientFunds"])
    assert.isTrue(retryOn(new InsufficientFunds()))
    assert.isFalse(retryOn(new ConcurrencyError({ streamId: "s" })))
    assert.isTrue(retryOn({ _tag: "X", transient: true }))
  })

  it.effect("a defect in a step is not retried", () =>
    Effect.gen(function* () {
      let calls = 0
      const saga = Saga.make({
        name: "buggy",
        context: Schema.Struct({}),
        steps: [
          {
            name: "bug",
            retry: { maxRetries: 3 },
            action: () =>
              Effect.suspend(() => {
                calls++
                return Effect.die(new Error("bug"))
              })
          }
        ]
      })
      const result = yield* SagaOrchestrator.execute(saga, {})
      assert.strictEqual(result.status, "failed")
      assert.strictEqual(result.error, "defect: Error: bug")
      assert.strictEqual(calls, 1)
    }).pipe(Effect.provide(orchestrator()))
  )
})
