/** Event ids: RFC 9562 UUID v7 from a pooled random source (drawn 256 ids at a time). */
import { describe, expect, it } from "vitest"
import { isUuid, uuidv7 } from "../src/internal/uuid.js"

describe("uuidv7", () => {
  it("gives distinct v7 ids across pool refills, carrying their millisecond, sorting by it", () => {
    const start = Date.UTC(2026, 10, 28)
    // 1,000 ids: the pool is refilled three times on the way.
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(start + i))
    expect(new Set(ids).size).toBe(ids.length)
    for (const [i, id] of ids.entries()) {
      expect(isUuid(id)).toBe(true)
      expect(id[14]).toBe("7")
      expect("89ab").toContain(id[19])
      expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(start + i)
    }
    expect([...ids].sort()).toEqual(ids)
    // The random part differs even within one millisecond.
    const same = Array.from({ length: 300 }, () => uuidv7(start).slice(14))
    expect(new Set(same).size).toBe(same.length)
  })
})
