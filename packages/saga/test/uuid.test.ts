// The UUID v7 generator lives in each pattern package (they may not import each other, and depend
// on effect alone): the copies must not drift apart.
import { readFileSync } from "node:fs"
import { assert, it } from "@effect/vitest"

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8")

it.each(["eventsourcing", "cqrs"])("src/internal/uuid.ts is the same file as %s's", (other) => {
  assert.strictEqual(read("../src/internal/uuid.ts"), read(`../../${other}/src/internal/uuid.ts`))
})

// The span helper too: spans only when a tracer is installed, the same rule in both packages.
it("src/internal/span.ts is the same file as eventsourcing's", () => {
  assert.strictEqual(read("../src/internal/span.ts"), read("../../eventsourcing/src/internal/span.ts"))
})
