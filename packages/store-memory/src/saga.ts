/** The `SagaStore` port in memory: needs `@cello/saga` (and `effect`) only. */
export * as MemorySagaStore from "./MemorySagaStore.js"
