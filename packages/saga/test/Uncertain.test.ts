/**
 * A step cut by a timeout may have committed its effect before the cut: when the saga then
 * compensates, that step is undone too (first, with the same idempotency key), and its fallback does
 * not run. A failure the action returns itself settles the question: the step is not undone.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Schema } from "effect"
import { TestClock } from "effect/testing"
import { Saga, SagaOrchestrator } from "../src/index.js"
import { Boom, Glitch, orchestrator } from "./fixtures.js"

const Count = Schema.Struct({ n: Schema.Number })

/** What each attempt of the step "call" does after recording that it ran. */
type Attempt = "hang" | "boom"
// A "boom" is a transient failure (retried by default), so the next attempt runs.

const cases: ReadonlyArray<{
  readonly name: string
  readonly attempts: ReadonlyArray<Attempt>
  /** The step's own timeout; without it only the saga's (1 minute) cuts the step. */
  readonly stepTimeout?: "2 seconds"
  readonly fallback?: boolean
  readonly calls: ReadonlyArray<string>
  readonly compensated: ReadonlyArray<string>
}> = [
  {
    name: "cut by its step timeout on the last attempt: undone, then the steps before it",
    attempts: ["hang", "hang"],
    stepTimeout: "2 seconds",
    calls: ["first", "call#1", "call#2", "undo call", "undo first"],
    compensated: ["call", "first"]
  },
  {
    name: "cut by the saga's timeout: undone too",
    attempts: ["hang"],
    calls: ["first", "call#1", "undo call", "undo first"],
    compensated: ["call", "first"]
  },
  {
    name: "cut once, then failing on its own on the retry: not undone",
    attempts: ["hang", "boom"],
    stepTimeout: "2 seconds",
    calls: ["first", "call#1", "call#2", "undo first"],
    compensated: ["first"]
  },
  {
    name: "failing on its own, then cut on the retry: undone",
    attempts: ["boom", "hang"],
    stepTimeout: "2 seconds",
    calls: ["first", "call#1", "call#2", "undo call", "undo first"],
    compensated: ["call", "first"]
  },
  {
    name: "cut, with a fallback: the fallback does not run (it could do the work twice)",
    attempts: ["hang", "hang"],
    stepTimeout: "2 seconds",
    fallback: true,
    calls: ["first", "call#1", "call#2", "undo call", "undo first"],
    compensated: ["call", "first"]
  },
  {
    name: "failing on its own, with a fallback: the fallback runs, the action is not undone",
    attempts: ["boom", "boom"],
    fallback: true,
    calls: ["first", "call#1", "call#2", "fallback", "undo fallback", "undo first"],
    compensated: ["fallback", "first"]
  }
]

describe("a step whose effect is unknown after a timeout (TestClock)", () => {
  for (const c of cases)
    it.effect(c.name, () =>
      Effect.gen(function* () {
        const calls: Array<string> = []
        const keys = new Set<string>()
        const record = (call: string, key: string) =>
          Effect.sync(() => {
            calls.push(call)
            keys.add(key)
          })
        const saga = Saga.make({
          name: "uncertain",
          context: Count,
          timeout: "1 minute",
          steps: [
            {
              name: "first",
              action: (ctx) => Effect.as(record("first", ""), ctx),
              compensate: () => record("undo first", "")
            },
            {
              name: "call",
              ...(c.stepTimeout === undefined ? {} : { timeout: c.stepTimeout }),
              retry: { maxRetries: c.attempts.length - 1, retryDelay: "1 second" },
              action: (_ctx, info) =>
                Effect.andThen(
                  record(`call#${info.attempt}`, info.idempotencyKey),
                  c.attempts[info.attempt - 1] === "boom"
                    ? Effect.fail(new Glitch({ step: "call" }))
                    : Effect.never
                ),
              compensate: (_ctx, info) => record("undo call", info.idempotencyKey),
              ...(c.fallback === true
                ? {
                    fallback: {
                      name: "fallback",
                      action: (ctx: typeof Count.Type) => Effect.as(record("fallback", ""), ctx),
                      compensate: () => record("undo fallback", "")
                    }
                  }
                : {})
            },
            { name: "last", action: () => Effect.fail(new Boom({ step: "last" })) }
          ]
        })
        const fiber = yield* Effect.forkChild(SagaOrchestrator.execute(saga, { n: 0 }))
        for (let second = 0; second < 60; second++) yield* TestClock.adjust("1 second")
        const result = yield* Fiber.join(fiber)
        assert.strictEqual(result.status, "compensated")
        assert.deepStrictEqual(calls, c.calls)
        assert.deepStrictEqual(result.compensatedSteps, c.compensated)
        // The action and its undoing carry one idempotency key.
        assert.deepStrictEqual(
          [...keys].filter((k) => k !== ""),
          [`${result.sagaId}:call`]
        )
      }).pipe(Effect.provide(orchestrator()))
    )
})
