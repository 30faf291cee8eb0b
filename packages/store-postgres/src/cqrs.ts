/**
 * The ports of `@cello/cqrs` on PostgreSQL, with the connection and migrations they build on. Needs
 * `@cello/cqrs` alone (the connection layer reports its own `PgUnavailable`).
 */
export * as Migrations from "./Migrations.js"
export * as PgDatabase from "./PgDatabase.js"
export * as PgIdempotencyStore from "./PgIdempotencyStore.js"
export * as PgReadModelStore from "./PgReadModelStore.js"
export * as PgStoreConfig from "./PgStoreConfig.js"
export * from "./PgUnavailable.js"
