/**
 * The `SagaStore` port on PostgreSQL, with the connection and migrations it builds on. Needs
 * `@cello/saga` alone (the connection layer reports its own `PgUnavailable`).
 */
export * as Migrations from "./Migrations.js"
export * as PgDatabase from "./PgDatabase.js"
export * as PgSagaStore from "./PgSagaStore.js"
export * as PgStoreConfig from "./PgStoreConfig.js"
export * from "./PgUnavailable.js"
