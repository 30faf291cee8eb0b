// The UUID v7 generator lives in eventsourcing and here (the pattern packages may not import each
// other): the two copies must not drift apart.
import { readFileSync } from "node:fs"
import { assert, it } from "@effect/vitest"

it("src/internal/uuid.ts is the same file as eventsourcing's", () => {
  const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8")
  assert.strictEqual(read("../src/internal/uuid.ts"), read("../../eventsourcing/src/internal/uuid.ts"))
})
