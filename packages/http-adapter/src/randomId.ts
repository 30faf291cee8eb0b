/**
 * 32 random hex digits (128 bits) for the request and trace ids the adapter makes up: drawn from a
 * pool refilled 256 ids at a time, because a `crypto.randomUUID()` per id, twice per request, was a
 * measurable part of a trivial request.
 */
import { randomFillSync } from "node:crypto"

const hex: ReadonlyArray<string> = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

const pool = new Uint8Array(16 * 256)
let used = pool.length

export const randomId = (): string => {
  if (used === pool.length) {
    randomFillSync(pool)
    used = 0
  }
  let id = ""
  for (let i = used; i < used + 16; i++) id += hex[pool[i] ?? 0]
  used += 16
  return id
}
