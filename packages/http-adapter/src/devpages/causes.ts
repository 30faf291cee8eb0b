/**
 * What an event's `causationId` names, read the way the saga orchestrator writes it:
 * `saga:<sagaId>:<step>` for a step's action and `saga:<sagaId>:<step>:compensate` for its undoing;
 * anything else is a command's or an event's id. A saga id or a step name may itself hold `:`, so a
 * cause names several candidate sagas; the `/causes/:id` page asks the saga store which one exists.
 */
export interface SagaStep {
  readonly sagaId: string
  readonly step: string
  readonly compensate: boolean
}

const prefix = "saga:"
const compensateSuffix = ":compensate"

/** The cause a saga step's action (or, with `compensate`, its undoing) writes. */
export const ofStep = (sagaId: string, step: string, compensate: boolean): string =>
  `${prefix}${sagaId}:${step}${compensate ? compensateSuffix : ""}`

/**
 * Every reading of a saga cause, the shortest saga id first and, for one saga id, the undoing
 * first; empty for any other cause.
 */
export const sagaSteps = (causationId: string): ReadonlyArray<SagaStep> => {
  if (!causationId.startsWith(prefix)) return []
  const rest = causationId.slice(prefix.length)
  const readings: Array<SagaStep> = []
  for (let cut = rest.indexOf(":"); cut > 0; cut = rest.indexOf(":", cut + 1)) {
    const sagaId = rest.slice(0, cut)
    const tail = rest.slice(cut + 1)
    if (tail === "") continue
    // As the orchestrator writes it, a `:compensate` ending is the undoing, not part of the name.
    if (tail.endsWith(compensateSuffix) && tail.length > compensateSuffix.length)
      readings.push({ sagaId, step: tail.slice(0, -compensateSuffix.length), compensate: true })
    readings.push({ sagaId, step: tail, compensate: false })
  }
  return readings
}

/** Whether `causationId` is one of the saga's steps (or their undoing). */
export const isOfSaga = (causationId: string | undefined, sagaId: string): boolean =>
  causationId?.startsWith(`${prefix}${sagaId}:`) === true

/** The likeliest reading, for a label: the orchestrator's ids (UUIDs) hold no `:`. */
export const label = (causationId: string): string | undefined => {
  const first = sagaSteps(causationId)[0]
  return first === undefined
    ? undefined
    : `saga ${first.sagaId} · ${first.compensate ? "undoing " : ""}step ${first.step}`
}
