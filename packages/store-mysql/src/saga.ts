/**
 * The `SagaStore` port on MySQL/MariaDB, with the connection and migrations it builds on. Needs
 * `@cello/saga` and `@cello/eventsourcing` (the connection layer reports its `StoreUnavailable`).
 */
export * as Migrations from "./Migrations.js"
export * as MysqlDatabase from "./MysqlDatabase.js"
export * as MysqlError from "./MysqlError.js"
export * as MysqlSagaStore from "./MysqlSagaStore.js"
export * as MysqlStoreConfig from "./MysqlStoreConfig.js"
