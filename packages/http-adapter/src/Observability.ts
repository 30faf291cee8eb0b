/**
 * OpenTelemetry export, configured by the standard `OTEL_*` environment variables: traces and
 * metrics to an OTLP/HTTP endpoint, with Effect's own exporters (`effect/observability`), no
 * OpenTelemetry SDK. `Layer.empty` when no endpoint is set, so
 * an app that never configures one runs exactly as without this layer.
 */
import { Config, ConfigProvider, Effect, Layer, Option, Tracer } from "effect"
import { FetchHttpClient } from "effect/http"
import { Otlp, OtlpSerialization } from "effect/observability"

/** The `OTEL_TRACES_SAMPLER` values of the OpenTelemetry specification (`jaeger_remote` excepted). */
export const Sampler = Config.Literals(
  [
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio"
  ],
  "OTEL_TRACES_SAMPLER"
).pipe(Config.withDefault("parentbased_always_on"))
export type Sampler = Config.Success<typeof Sampler>

/**
 * Decides whether a new span is recorded. A span inside the process follows its parent (one trace is
 * whole or absent); a root, or a span under a remote `traceparent` when the sampler is not parent
 * based, is decided by the sampler.
 */
export const sample = (
  sampler: Sampler,
  ratio: number,
  span: { readonly parent: Option.Option<Tracer.AnySpan>; readonly sampled: boolean },
  random: () => number = Math.random
): boolean => {
  const parentBased = sampler.startsWith("parentbased_")
  if (Option.isSome(span.parent) && (parentBased || span.parent.value._tag === "Span")) return span.sampled
  // Effect proposes a remote parent's flag; a sampler that is not parent based sets it aside.
  const proposed = Option.isSome(span.parent) || span.sampled
  switch (sampler) {
    case "always_on":
    case "parentbased_always_on":
      return proposed
    case "always_off":
    case "parentbased_always_off":
      return false
    default:
      return proposed && random() < ratio
  }
}

const withSampler = (tracer: Tracer.Tracer, sampler: Sampler, ratio: number): Tracer.Tracer =>
  sampler === "parentbased_always_on"
    ? tracer
    : Tracer.make({
        span: (options) => tracer.span({ ...options, sampled: sample(sampler, ratio, options) }),
        context: tracer.context
      })

const Sampling = Layer.effect(
  Tracer.Tracer,
  Effect.gen(function* () {
    const tracer = yield* Tracer.Tracer
    const sampler = yield* Sampler
    const ratio = yield* Config.Number("OTEL_TRACES_SAMPLER_ARG").pipe(Config.withDefault(1))
    return tracer === Tracer.nativeTracer ? tracer : withSampler(tracer, sampler, ratio)
  })
)

// The specification's defaults that Effect's `layerFromConfig` leaves to the user: traces and
// metrics go out over OTLP unless `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` say otherwise.
const specDefaults = ConfigProvider.layerAdd(
  ConfigProvider.fromEnv({ env: { OTEL_TRACES_EXPORTER: "otlp", OTEL_METRICS_EXPORTER: "otlp" } })
)

const endpointSet = Config.all([
  Config.option(Config.String("OTEL_EXPORTER_OTLP_ENDPOINT")),
  Config.option(Config.String("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")),
  Config.option(Config.String("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")),
  Config.option(Config.String("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"))
]).pipe(Config.map((endpoints) => endpoints.some(Option.isSome)))

/**
 * Exports to `OTEL_EXPORTER_OTLP_ENDPOINT` (or the per-signal `OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT`)
 * as `OTEL_SERVICE_NAME` (default `serviceName`), over `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`,
 * the default, or `http/json`), sampling by `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`.
 * `OTEL_SDK_DISABLED=true` or no endpoint: `Layer.empty`. Provide it under the whole app (e.g.
 * `HttpAdapter.serve(App).pipe(Layer.provide(Observability.layer("shop")))`): every span the app opens
 * then joins the request's trace.
 */
export const layer = (serviceName: string) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const disabled = yield* Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false))
      if (disabled || !(yield* endpointSet)) return Layer.empty
      const protocol = yield* Config.Literals(
        ["http/protobuf", "http/json"],
        "OTEL_EXPORTER_OTLP_PROTOCOL"
      ).pipe(Config.withDefault("http/protobuf"))
      const name = yield* Config.String("OTEL_SERVICE_NAME").pipe(Config.withDefault(serviceName))
      return Sampling.pipe(
        Layer.provideMerge(Otlp.layerFromConfig({ resource: { serviceName: name } })),
        Layer.provide(specDefaults),
        Layer.provide(
          protocol === "http/json" ? OtlpSerialization.layerJson : OtlpSerialization.layerProtobuf
        ),
        Layer.provide(FetchHttpClient.layer)
      )
    })
  )
