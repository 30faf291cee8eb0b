/** Turns a step's failure into the one line the step log and the saga row keep. */
import { Cause } from "effect"

const describeValue = (value: unknown): string => {
  if (value instanceof Error) {
    const tag = "_tag" in value && typeof value._tag === "string" ? value._tag : value.name
    return value.message === "" ? tag : `${tag}: ${value.message}`
  }
  if (typeof value === "object" && value !== null && "_tag" in value && typeof value._tag === "string")
    return value._tag
  return typeof value === "string" ? value : String(value)
}

export const describeError = describeValue

/** The first failure or defect of a cause (defects say so: they are bugs, not business outcomes). */
export const describeCause = (cause: Cause.Cause<unknown>): string => {
  for (const reason of cause.reasons) {
    if (Cause.isFailReason(reason)) return describeValue(reason.error)
    if (Cause.isDieReason(reason)) return `defect: ${describeValue(reason.defect)}`
  }
  return "interrupted"
}
