/**
 * The series of a saga metric under `{ saga }` or `{ saga, [label]: value }`, built once per saga and
 * value as a metric of its own with those attributes: the same series `Metric.withAttributes` names,
 * without its cost. `withAttributes` shares one base metric between the step names, and the base
 * derives its series key (a sort and a JSON.stringify) again whenever the attributes differ from its
 * last update's: on every step, a fifth of a no-op saga's CPU. Saga, step and status names come from
 * definitions, so the cache stays as small as the metric registry.
 */
import { Duration, Metric } from "effect"
import { durationBoundaries } from "../Metrics.js"

type Attributes = Readonly<Record<string, string>>

const series = <In, State>(
  make: (attributes: Attributes) => Metric.Metric<In, State>,
  label: string | undefined
): ((saga: string, value?: string) => Metric.Metric<In, State>) => {
  // Two levels keyed by the names themselves: a joined key would be a new string to hash every time.
  const bySaga = new Map<string, Map<string, Metric.Metric<In, State>>>()
  return (saga, value = "") => {
    let byValue = bySaga.get(saga)
    if (byValue === undefined) {
      byValue = new Map()
      bySaga.set(saga, byValue)
    }
    let found = byValue.get(value)
    if (found === undefined) {
      found = make(label === undefined ? { saga } : { saga, [label]: value })
      byValue.set(value, found)
    }
    return found
  }
}

/** Series of one of the saga's incremental counters. */
export const counter = (
  metric: Metric.Metric<number, Metric.CounterState<number>>,
  label?: string
): ((saga: string, value?: string) => Metric.Metric<number, Metric.CounterState<number>>) =>
  series(
    (attributes) =>
      Metric.counter(metric.id, { description: metric.description, incremental: true, attributes }),
    label
  )

/** Series of one of the saga's duration histograms (recorded in seconds). */
export const seconds = (
  metric: Metric.Metric<Duration.Duration, Metric.HistogramState>,
  label?: string
): ((saga: string, value?: string) => Metric.Metric<Duration.Duration, Metric.HistogramState>) =>
  series(
    (attributes) =>
      Metric.mapInput(
        Metric.histogram(metric.id, {
          description: metric.description,
          boundaries: durationBoundaries,
          attributes
        }),
        Duration.toSeconds
      ),
    label
  )
