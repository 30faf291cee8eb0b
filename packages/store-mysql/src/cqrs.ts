/**
 * The ports of `@cello/cqrs` on MySQL/MariaDB, with the connection and migrations they build on. Needs
 * `@cello/cqrs` and `@cello/eventsourcing` (the connection layer reports its `StoreUnavailable`).
 */
export * as Migrations from "./Migrations.js"
export * as MysqlDatabase from "./MysqlDatabase.js"
export * as MysqlError from "./MysqlError.js"
export * as MysqlIdempotencyStore from "./MysqlIdempotencyStore.js"
export * as MysqlReadModelStore from "./MysqlReadModelStore.js"
export * as MysqlStoreConfig from "./MysqlStoreConfig.js"
