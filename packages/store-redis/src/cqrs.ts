/** The ports of `@cello/cqrs` on Redis, with the client they build on: needs `@cello/cqrs` only. */
export * as RedisClient from "./RedisClient.js"
export * as RedisConfig from "./RedisConfig.js"
export * from "./RedisError.js"
export * as RedisIdempotencyStore from "./RedisIdempotencyStore.js"
export * as RedisReadModelStore from "./RedisReadModelStore.js"
