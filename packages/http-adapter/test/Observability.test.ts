/**
 * `Observability.layer`: nothing at all without an endpoint (the app keeps Effect's native tracer,
 * which the HTTP server skips), an OTLP tracer with one, and the OpenTelemetry samplers.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Tracer } from "effect"
import { Observability } from "../src/index.js"

const withEnv = (env: Record<string, string>) =>
  Observability.layer("test").pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))

// An endpoint nothing listens on: these tests never let a span be exported.
const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" }

/** The tracer the layer installs, and whether a root span opened under it is recorded. */
const probe = Effect.gen(function* () {
  const tracer = yield* Tracer.Tracer
  const sampled = yield* Effect.withSpan(
    Effect.map(Effect.serviceOption(Tracer.ParentSpan), (span) => Option.isSome(span) && span.value.sampled),
    "probe"
  )
  return { native: tracer === Tracer.nativeTracer, sampled }
})

describe("Observability.layer", () => {
  it.effect.each([
    ["no endpoint", {}],
    ["OTEL_SDK_DISABLED=true", { ...endpoint, OTEL_SDK_DISABLED: "true" }],
    [
      "OTEL_TRACES_EXPORTER=none",
      { ...endpoint, OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none" }
    ]
  ] as const)("exports no traces with %s: Effect's native tracer stays", ([, env]) =>
    Effect.gen(function* () {
      assert.isTrue((yield* probe).native)
    }).pipe(Effect.provide(withEnv(env)))
  )

  // Live clock: closing the layer flushes the exporter, with a real (short) timeout.
  it.live.each([
    ["the default sampler records", {}, true],
    ["always_off records nothing", { OTEL_TRACES_SAMPLER: "always_off" }, false],
    [
      "traceidratio 0 records nothing",
      { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "0" },
      false
    ]
  ] as const)("installs an OTLP tracer with an endpoint; %s", ([, env, sampled]) =>
    Effect.gen(function* () {
      const found = yield* probe
      assert.isFalse(found.native)
      assert.strictEqual(found.sampled, sampled)
    }).pipe(
      Effect.provide(
        withEnv({ ...endpoint, OTEL_BSP_SCHEDULE_DELAY: "60000", OTEL_EXPORTER_OTLP_TIMEOUT: "100", ...env })
      )
    )
  )
})

describe("Observability.sample", () => {
  const remote = Option.some(Tracer.externalSpan({ traceId: "a".repeat(32), spanId: "b".repeat(16) }))
  it.each([
    // sampler, ratio, parent, sampled as Effect proposes (the parent's decision), random draw, expected
    ["parentbased_always_on", 1, Option.none(), true, 0.5, true],
    ["parentbased_always_off", 1, Option.none(), true, 0.5, false],
    ["parentbased_always_off", 1, remote, true, 0.5, true],
    ["parentbased_traceidratio", 0.25, Option.none(), true, 0.2, true],
    ["parentbased_traceidratio", 0.25, Option.none(), true, 0.3, false],
    ["parentbased_traceidratio", 0.25, remote, false, 0.1, false],
    ["always_on", 1, remote, false, 0.5, true],
    ["always_off", 1, remote, true, 0.5, false],
    ["traceidratio", 0.5, remote, true, 0.7, false],
    ["traceidratio", 0.5, Option.none(), true, 0.3, true]
  ] as const)("%s (ratio %d) decides a new span", (sampler, ratio, parent, sampled, draw, expected) => {
    assert.strictEqual(
      Observability.sample(sampler, ratio, { parent, sampled }, () => draw),
      expected
    )
  })
})
