/**
 * The parts for `@cello/eventsourcing` on Redis (checkpoints, snapshot cache, wake-ups, the stream
 * relay and consumer), with the client they build on: needs `@cello/eventsourcing` only.
 */
export * as RedisCheckpointStore from "./RedisCheckpointStore.js"
export * as RedisClient from "./RedisClient.js"
export * as RedisConfig from "./RedisConfig.js"
export * from "./RedisError.js"
export * as RedisSnapshotCache from "./RedisSnapshotCache.js"
export * as RedisStreamConsumer from "./RedisStreamConsumer.js"
export * as RedisStreamRelay from "./RedisStreamRelay.js"
export * as RedisWakeup from "./RedisWakeup.js"
export * from "./StreamEntryError.js"
