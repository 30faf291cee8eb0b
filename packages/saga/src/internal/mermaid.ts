/** The Mermaid flowchart of a saga definition (`Saga.toMermaid`). */

interface StepShape {
  readonly name: string
  readonly compensate?: unknown
  readonly fallback?: StepShape
  readonly circuitBreaker?: unknown
}

interface SagaShape {
  readonly name: string
  readonly steps: ReadonlyArray<StepShape>
}

// Mermaid labels are quoted; a quote inside one would end it.
const label = (text: string): string => `"${text.replaceAll('"', "#quot;")}"`

export const toMermaid = (saga: SagaShape): string => {
  const lines = ["flowchart TD", `  start([${label(saga.name)}])`]
  const steps = saga.steps
  const compensable = steps.map((s) => s.compensate !== undefined || s.fallback?.compensate !== undefined)
  lines.push(`  start --> ${steps.length === 0 ? "completed" : "s0"}`)
  steps.forEach((step, i) => {
    lines.push(`  s${i}[${label(step.name)}]`)
    const next = i + 1 < steps.length ? `s${i + 1}` : "completed"
    lines.push(`  s${i} -->|ok| ${next}`)
    if (step.fallback !== undefined) {
      const breaker = step.circuitBreaker === undefined ? "fails" : "fails or breaker open"
      lines.push(`  s${i} -.->|${breaker}| f${i}[${label(`${step.fallback.name} (fallback)`)}]`)
      lines.push(`  f${i} -->|ok| ${next}`)
    }
    // A failure undoes the completed steps before it, newest first.
    const undo = Array.from({ length: i }, (_, k) => i - 1 - k).filter((k) => compensable[k])
    const from = step.fallback !== undefined ? `f${i}` : `s${i}`
    const first = undo[0]
    lines.push(`  ${from} -->|fails| ${first === undefined ? "failed" : `c${first}`}`)
  })
  steps.forEach((step, i) => {
    if (!compensable[i]) return
    lines.push(`  c${i}[${label(`compensate ${step.name}`)}]`)
    const below = Array.from({ length: i }, (_, k) => i - 1 - k).find((k) => compensable[k])
    lines.push(`  c${i} --> ${below === undefined ? "compensated" : `c${below}`}`)
  })
  lines.push("  completed([completed])")
  if (steps.some((_, i) => !Array.from({ length: i }, (_, k) => k).some((k) => compensable[k])))
    lines.push("  failed([failed])")
  if (compensable.some(Boolean)) lines.push("  compensated([compensated])")
  return lines.join("\n")
}
