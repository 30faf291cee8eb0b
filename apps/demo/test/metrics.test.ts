/**
 * `/metrics` follows the Prometheus conventions: every metric has `HELP` and `TYPE`; durations are
 * histograms in seconds named `_seconds`, each series with the same dozen buckets (1 ms to 10 s);
 * no unit hides in a label. Checked on the demo after the requests of both examples.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { memory, withDemo } from "./support/inProcess.js"

const boundaries = [
  "0.001",
  "0.005",
  "0.01",
  "0.025",
  "0.05",
  "0.1",
  "0.25",
  "0.5",
  "1",
  "2.5",
  "5",
  "10",
  "+Inf"
]

const call = (base: string, path: string, body?: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(`${base}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    return { status: response.status, text: await response.text() }
  })

const exercise = (base: string) =>
  Effect.gen(function* () {
    const a = JSON.parse(
      (yield* call(base, "/api/commands/accounts", { owner: "A", initial_balance: 50 })).text
    )
    const b = JSON.parse((yield* call(base, "/api/commands/accounts", { owner: "B" })).text)
    yield* call(base, "/api/commands/transfers", {
      from_account: a.account_id,
      to_account: b.account_id,
      amount: 5
    })
    yield* call(base, "/saga/place-order", { user_id: "u", product: "Widget", quantity: 1, price: 5 })
    yield* call(base, `/api/queries/accounts/${a.account_id}`)
    return (yield* call(base, "/metrics")).text
  })

describe("/metrics", () => {
  it("has HELP and TYPE for every metric, and durations as seconds histograms with a dozen buckets", () =>
    withDemo(memory, (base) =>
      Effect.map(exercise(base), (text) => {
        const lines = text.split("\n").filter((l) => l.length > 0)
        const help = new Set(lines.filter((l) => l.startsWith("# HELP ")).map((l) => l.split(" ")[2]))
        const types = new Map(
          lines.filter((l) => l.startsWith("# TYPE ")).map((l) => [l.split(" ")[2] ?? "", l.split(" ")[3]])
        )
        const samples = lines.filter((l) => !l.startsWith("#"))
        const histograms = [...types].filter(([, type]) => type === "histogram").map(([name]) => name)
        expect(histograms).toEqual(
          expect.arrayContaining([
            "http_request_duration_seconds",
            "cello_event_append_duration_seconds",
            "cello_aggregate_load_duration_seconds",
            "cello_cqrs_dispatch_duration_seconds",
            "cello_saga_step_duration_seconds"
          ])
        )
        for (const sample of samples) {
          const name = (sample.split(/[{ ]/)[0] ?? "").replace(/_(bucket|sum|count)$/, "")
          expect(help, `HELP for ${name}`).toContain(name)
          expect(types.has(name), `TYPE for ${name}`).toBe(true)
          expect(sample).not.toMatch(/time_unit|millis/)
        }
        for (const name of histograms) {
          expect(name).toMatch(/_seconds$/)
          // Each series: its buckets, in order, then sum and count.
          const buckets = new Map<string, Array<string>>()
          for (const sample of samples.filter((s) => s.startsWith(`${name}_bucket`))) {
            const labels = /\{(.*)\}/.exec(sample)?.[1] ?? ""
            const series = labels.replace(/,?le="[^"]*"/, "")
            buckets.set(series, [...(buckets.get(series) ?? []), /le="([^"]*)"/.exec(labels)?.[1] ?? ""])
          }
          expect(buckets.size, `${name} has series`).toBeGreaterThan(0)
          for (const [series, les] of buckets) expect(les, `${name}{${series}}`).toEqual(boundaries)
        }
      })
    ))
})
