/** The ports of `@cello/eventsourcing` on PostgreSQL, with the connection and migrations. */
export * as Migrations from "./Migrations.js"
export * as PgCheckpointStore from "./PgCheckpointStore.js"
export * as PgDatabase from "./PgDatabase.js"
export * as PgEmbedded from "./PgEmbedded.js"
export * as PgEventStore from "./PgEventStore.js"
export * as PgSnapshotStore from "./PgSnapshotStore.js"
export * as PgStoreConfig from "./PgStoreConfig.js"
export * from "./PgUnavailable.js"
