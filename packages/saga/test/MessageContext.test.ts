// The message context lives in eventsourcing, cqrs and saga (the pattern packages may not import each
// other) under one key: the copies must not drift apart.
import { readFileSync } from "node:fs"
import { MemorySagaStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import { TestClock } from "effect/testing"
import { MessageContext, Saga, SagaConfig, SagaOrchestrator, SagaStore } from "../src/index.js"

it("src/MessageContext.ts is the same file as eventsourcing's", () => {
  const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8")
  assert.strictEqual(read("../src/MessageContext.ts"), read("../../eventsourcing/src/MessageContext.ts"))
})

const Ctx = Schema.Struct({ failAt: Schema.String })

/** Three steps that record the message context they (and their compensations) run under. */
const recording = (seen: Array<readonly [string, MessageContext.MessageContext]>) =>
  Saga.make({
    name: "recording",
    context: Ctx,
    steps: ["s1", "s2", "s3"].map(
      (name): Saga.Step<typeof Ctx.Type> => ({
        name,
        action: (ctx) =>
          Effect.flatMap(MessageContext.current, (current) => {
            seen.push([`act:${name}`, current])
            return ctx.failAt === name ? Effect.fail(new Refused({ step: name })) : Effect.succeed(ctx)
          }),
        compensate: () =>
          Effect.map(MessageContext.current, (current) => {
            seen.push([`undo:${name}`, current])
          })
      })
    )
  })

class Refused extends Schema.TaggedError<Refused>()("Refused", { step: Schema.String }) {}

const orchestrator = (saga: Saga.Saga<typeof Ctx.Type>) =>
  SagaOrchestrator.layer({ owner: "test", sagas: [saga] }).pipe(
    Layer.provideMerge(MemorySagaStore.layer),
    Layer.provide(SagaConfig.layer({ maxRetries: 0 }))
  )

describe("the message context of saga steps", () => {
  it.effect(
    "steps share the starter's correlation id and name themselves as the cause; the record keeps it",
    () =>
      Effect.gen(function* () {
        const seen: Array<readonly [string, MessageContext.MessageContext]> = []
        const saga = recording(seen)
        yield* Effect.gen(function* () {
          const result = yield* SagaOrchestrator.execute(saga, { failAt: "s3" }, { id: "t-1" }).pipe(
            MessageContext.provide({ correlationId: "trace-1", causationId: "command-1" })
          )
          assert.strictEqual(result.status, "compensated")
          assert.strictEqual(Option.getOrThrow(yield* SagaStore.get("t-1")).correlationId, "trace-1")
          // Started by nothing: the saga is its own correlation.
          yield* SagaOrchestrator.execute(saga, { failAt: "none" }, { id: "t-2" })
          assert.strictEqual(Option.getOrThrow(yield* SagaStore.get("t-2")).correlationId, "t-2")
        }).pipe(Effect.provide(orchestrator(saga)))
        const cause = (c: string) => ({ correlationId: "trace-1", causationId: `saga:t-1:${c}` })
        assert.deepStrictEqual(seen.slice(0, 5), [
          ["act:s1", cause("s1")],
          ["act:s2", cause("s2")],
          ["act:s3", cause("s3")],
          ["undo:s2", cause("s2:compensate")],
          ["undo:s1", cause("s1:compensate")]
        ])
        assert.deepStrictEqual(seen[5], ["act:s1", { correlationId: "t-2", causationId: "saga:t-2:s1" }])
      })
  )

  it.effect("a recovered saga's steps keep the correlation id its record stores", () =>
    Effect.gen(function* () {
      const seen: Array<readonly [string, MessageContext.MessageContext]> = []
      const saga = recording(seen)
      yield* Effect.gen(function* () {
        const store = yield* SagaStore.SagaStore
        yield* store.create(
          {
            id: "r-1",
            name: "recording",
            status: "running",
            context: { failAt: "none" },
            owner: "dead",
            correlationId: "trace-9"
          },
          [{ index: 0, step: "s1", phase: "act", status: "started", attempt: 1 }],
          "1 millis"
        )
        yield* TestClock.adjust("1 second")
        const report = yield* SagaOrchestrator.recover
        assert.deepStrictEqual(
          report.recovered.map((r) => [r.sagaId, r.status]),
          [["r-1", "completed"]]
        )
      }).pipe(Effect.provide(orchestrator(saga)))
      assert.deepStrictEqual(
        seen.map(([what, current]) => [what, current.correlationId, current.causationId]),
        ["s1", "s2", "s3"].map((s) => [`act:${s}`, "trace-9", `saga:r-1:${s}`])
      )
    })
  )
})
