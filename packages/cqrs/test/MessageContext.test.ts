// The message context lives in eventsourcing, cqrs and saga (the pattern packages may not import each
// other) under one key: the copies must not drift apart.
import { readFileSync } from "node:fs"
import { assert, it } from "@effect/vitest"

it("src/MessageContext.ts is the same file as eventsourcing's", () => {
  const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8")
  assert.strictEqual(read("../src/MessageContext.ts"), read("../../eventsourcing/src/MessageContext.ts"))
})
