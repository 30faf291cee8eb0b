/**
 * The `SagaStore` port on PostgreSQL, with the connection and migrations it builds on. Needs
 * `@cello/saga` and `@cello/eventsourcing` (the connection layer reports its `StoreUnavailable`).
 */
export * as Migrations from "./Migrations.js"
export * as PgDatabase from "./PgDatabase.js"
export * as PgSagaStore from "./PgSagaStore.js"
export * as PgStoreConfig from "./PgStoreConfig.js"
