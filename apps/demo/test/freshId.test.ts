/** `withFreshId`: a taken id is replaced by another (a few times), any other failure is answered. */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { withFreshId } from "../src/schemas.js"

const run = (failures: ReadonlyArray<"taken" | "refused">) => {
  const tried: Array<string> = []
  const program = withFreshId(
    "acc",
    (id) =>
      Effect.suspend(() => {
        const failure = failures[tried.length]
        tried.push(id)
        return failure === undefined ? Effect.succeed(id) : Effect.fail(failure)
      }),
    (error) => error === "taken"
  )
  return Effect.runPromise(Effect.result(program)).then((result) => ({ result, tried }))
}

describe("withFreshId", () => {
  it.each([
    { failures: [], outcome: "Success", attempts: 1 },
    { failures: ["taken", "taken"], outcome: "Success", attempts: 3 },
    { failures: ["taken", "refused"], outcome: "Failure", attempts: 2 },
    { failures: ["taken", "taken", "taken", "taken", "taken"], outcome: "Failure", attempts: 5 }
  ] as const)(
    "after $failures: $outcome in $attempts attempt(s)",
    async ({ failures, outcome, attempts }) => {
      const { result, tried } = await run(failures)
      expect(result._tag).toBe(outcome)
      expect(tried).toHaveLength(attempts)
      expect(new Set(tried).size).toBe(attempts)
      for (const id of tried) expect(id).toMatch(/^acc-[0-9a-f]{8}$/)
      if (result._tag === "Success") expect(result.success).toBe(tried.at(-1))
    }
  )
})
