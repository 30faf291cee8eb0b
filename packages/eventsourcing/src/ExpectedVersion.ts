/**
 * What a writer expects of a stream before its append. Stream version = number of events,
 * so the first event has version 1 and a stream with no event has version 0.
 */
export type ExpectedVersion = "any" | "no_stream" | "stream_exists" | number

/** True when a stream at `actual` satisfies `expected`. */
export const matches = (expected: ExpectedVersion, actual: number): boolean => {
  switch (expected) {
    case "any":
      return true
    case "no_stream":
      return actual === 0
    case "stream_exists":
      return actual > 0
    default:
      return actual === expected
  }
}

/** True when the value is a valid expected version (a non-negative integer or one of the three modes). */
export const isValid = (expected: unknown): expected is ExpectedVersion =>
  expected === "any" ||
  expected === "no_stream" ||
  expected === "stream_exists" ||
  (typeof expected === "number" && Number.isSafeInteger(expected) && expected >= 0)
