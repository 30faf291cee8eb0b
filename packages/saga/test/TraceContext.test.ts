/**
 * A saga recovered after its instance stopped joins the trace that started it: the saga record keeps
 * the start span's `traceparent` (when a tracer records spans), and recovery's
 * `SagaOrchestrator.resume` span links to it.
 */
import { readFileSync } from "node:fs"
import { MemorySagaStore } from "@cello/store-memory"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Option, Schema, Scope, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { Saga, SagaConfig, SagaOrchestrator, SagaStore } from "../src/index.js"

it("src/TraceContext.ts is the same file as eventsourcing's", () => {
  const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8")
  assert.strictEqual(read("../src/TraceContext.ts"), read("../../eventsourcing/src/TraceContext.ts"))
})

/** A tracer that records like any exporter's and keeps every span it made. */
const recorder = () => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = Tracer.nativeTracer.span(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer, named: (name: string) => spans.filter((s) => s.name === name) }
}

const Ctx = Schema.Struct({})

/** Two steps; the second waits for `gate`, so an instance can stop while the saga is in flight. */
const gated = (gate: Deferred.Deferred<void>) =>
  Saga.make({
    name: "gated",
    context: Ctx,
    steps: [
      { name: "first", action: (ctx: typeof Ctx.Type) => Effect.succeed(ctx) },
      { name: "second", action: (ctx: typeof Ctx.Type) => Effect.as(Deferred.await(gate), ctx) }
    ]
  })

const orchestrator = (owner: string, saga: Saga.Saga<typeof Ctx.Type>) =>
  SagaOrchestrator.layer({ owner, sagas: [saga] }).pipe(
    Layer.provide(SagaConfig.layer({ maxRetries: 0, leaseDuration: "1 second" }))
  )

const parentOf = (span: Tracer.Span | undefined) =>
  span === undefined ? undefined : Option.getOrUndefined(span.parent)?.spanId

describe("saga trace context", () => {
  it.effect("a saga started under a recording tracer keeps its start span's traceparent; none without", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      yield* Deferred.succeed(gate, undefined)
      const saga = gated(gate)
      const { tracer, named } = recorder()
      yield* Effect.gen(function* () {
        yield* SagaOrchestrator.execute(saga, {}, { id: "traced" }).pipe(
          Effect.withSpan("request"),
          Effect.provideService(Tracer.Tracer, tracer)
        )
        yield* SagaOrchestrator.execute(saga, {}, { id: "untraced" }).pipe(Effect.withSpan("request"))
        const [execute] = named("SagaOrchestrator.execute")
        assert.strictEqual(
          Option.getOrThrow(yield* SagaStore.get("traced")).traceparent,
          `00-${execute?.traceId}-${execute?.spanId}-01`
        )
        assert.isUndefined(Option.getOrThrow(yield* SagaStore.get("untraced")).traceparent)
      }).pipe(Effect.provide(orchestrator("a", saga).pipe(Layer.provideMerge(MemorySagaStore.layer))))
    })
  )

  it.effect("recovery resumes a stopped instance's saga in a span linked to the trace that started it", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      const saga = gated(gate)
      const { tracer, named } = recorder()
      const store = yield* Layer.build(MemorySagaStore.layer)
      yield* Effect.gen(function* () {
        // Instance "a" starts the saga under a request's span, then stops while step two waits.
        const first = yield* Scope.make()
        const a = yield* Layer.buildWithScope(orchestrator("a", saga), first)
        const id = yield* SagaOrchestrator.start(saga, {}, { id: "s-1" }).pipe(
          Effect.withSpan("POST /saga"),
          Effect.provideContext(a)
        )
        yield* Effect.yieldNow
        yield* Scope.close(first, Exit.void)
        assert.strictEqual(Option.getOrThrow(yield* SagaStore.get(id)).status, "running")
        // Instance "b" takes it over once the lease expired.
        yield* Deferred.succeed(gate, undefined)
        yield* TestClock.adjust("2 seconds")
        const b = yield* Layer.build(orchestrator("b", saga))
        const report = yield* SagaOrchestrator.recover.pipe(Effect.provideContext(b))
        assert.deepStrictEqual(
          report.recovered.map((r) => [r.sagaId, r.status]),
          [["s-1", "completed"]]
        )
      }).pipe(Effect.provideContext(store), Effect.provideService(Tracer.Tracer, tracer))
      const [start] = named("SagaOrchestrator.start")
      const [request] = named("POST /saga")
      const [resume] = named("SagaOrchestrator.resume")
      const [recover] = named("SagaOrchestrator.recover")
      assert.strictEqual(start?.traceId, request?.traceId)
      // The resumed saga runs in recovery's trace, linked to the request's.
      assert.strictEqual(parentOf(resume), recover?.spanId)
      assert.notStrictEqual(resume?.traceId, request?.traceId)
      assert.deepStrictEqual(
        resume?.links.map((l) => `${l.span.traceId}/${l.span.spanId}`),
        [`${start?.traceId}/${start?.spanId}`]
      )
      assert.deepStrictEqual(
        resume?.links.map((l) => l.attributes),
        [{ "cello.saga_id": "s-1" }]
      )
      assert.deepStrictEqual(
        [resume?.attributes.get("cello.saga"), resume?.attributes.get("cello.recovery_attempt")],
        ["gated", 1]
      )
      // The step recovery ran again is in the resume span.
      const steps = named("Saga.step").filter((s) => s.traceId === resume?.traceId)
      assert.deepStrictEqual(
        steps.map((s) => [s.attributes.get("cello.step"), parentOf(s)]),
        [["second", resume?.spanId]]
      )
    }).pipe(Effect.scoped)
  )

  it.effect("a saga record without a traceparent resumes in a span with no link", () =>
    Effect.gen(function* () {
      const gate = yield* Deferred.make<void>()
      yield* Deferred.succeed(gate, undefined)
      const saga = gated(gate)
      const { tracer, named } = recorder()
      yield* Effect.gen(function* () {
        const store = yield* SagaStore.SagaStore
        yield* store.create(
          { id: "old", name: "gated", status: "running", context: {}, owner: "dead" },
          [{ index: 0, step: "first", phase: "act", status: "started", attempt: 1 }],
          "1 millis"
        )
        yield* TestClock.adjust("1 second")
        yield* SagaOrchestrator.recover
      }).pipe(
        Effect.provide(orchestrator("b", saga).pipe(Layer.provideMerge(MemorySagaStore.layer))),
        Effect.provideService(Tracer.Tracer, tracer)
      )
      assert.deepStrictEqual(
        named("SagaOrchestrator.resume").map((s) => s.links.length),
        [0]
      )
    })
  )
})
