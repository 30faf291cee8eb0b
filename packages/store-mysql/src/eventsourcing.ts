/** The ports of `@cello/eventsourcing` on MySQL/MariaDB, with the connection and migrations. */
export * as Migrations from "./Migrations.js"
export * as MysqlCheckpointStore from "./MysqlCheckpointStore.js"
export * as MysqlDatabase from "./MysqlDatabase.js"
export * as MysqlError from "./MysqlError.js"
export * as MysqlEventStore from "./MysqlEventStore.js"
export * as MysqlSnapshotStore from "./MysqlSnapshotStore.js"
export * as MysqlStoreConfig from "./MysqlStoreConfig.js"
