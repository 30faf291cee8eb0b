/** Event ids: RFC 9562 UUID v7, random bits per millisecond and a counter within it. */
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

  it("counts up within one millisecond, and draws fresh random bits when the counter runs out", () => {
    const now = Date.UTC(2026, 11, 1)
    // 70,000 ids in one millisecond: more than the counter holds from any start.
    const ids = Array.from({ length: 70_000 }, () => uuidv7(now))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) {
      expect(isUuid(id)).toBe(true)
      expect(id[14]).toBe("7")
      expect("89ab").toContain(id[19])
    }
    const next = (id: string) => Number.parseInt(id.slice(-4), 16)
    expect(next(ids[1] ?? "")).toBe(next(ids[0] ?? "") + 1)
    expect(ids[1]?.slice(0, 32)).toBe(ids[0]?.slice(0, 32))
    // Somewhere the counter ran out: the shared part changed within the millisecond.
    expect(new Set(ids.map((id) => id.slice(0, 32))).size).toBeGreaterThan(1)
  })
})
