/** The ports of `@cello/cqrs` in memory: needs `@cello/cqrs` (and `effect`) only. */
export * as MemoryIdempotencyStore from "./MemoryIdempotencyStore.js"
export * as MemoryReadModelStore from "./MemoryReadModelStore.js"
