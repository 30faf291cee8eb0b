/**
 * The read side on Redis from a URL: `RedisStore.layer({ url })`, or from the environment:
 * `RedisStore.layerConfig()` (`CELLO_REDIS_URL`, `CELLO_REDIS_PREFIX`). Provides the read-model and
 * idempotency stores, the checkpoint store that commits async projections' pages with their read
 * models, and the `RedisClient` that the snapshot cache, wake-up and relay build on.
 */
import type { IdempotencyStore, ReadModelStore } from "@cello/cqrs"
import type { CheckpointStore } from "@cello/eventsourcing"
import { type Config, Layer } from "effect"
import * as RedisCheckpointStore from "./RedisCheckpointStore.js"
import * as RedisClient from "./RedisClient.js"
import type * as RedisConfig from "./RedisConfig.js"
import * as RedisIdempotencyStore from "./RedisIdempotencyStore.js"
import * as RedisReadModelStore from "./RedisReadModelStore.js"

export type Services =
  | ReadModelStore.ReadModelStore
  | IdempotencyStore.IdempotencyStore
  | CheckpointStore.CheckpointStore
  | RedisClient.RedisClient

/**
 * A Layer of all of this store's ports, for an app that picks its store at run time: annotate with
 * it (not `Layer<any>`) so a missing service stays a compile error.
 */
export type StoreLayer<E = never> = Layer.Layer<Services, E>

const ports = Layer.mergeAll(
  RedisReadModelStore.layer,
  RedisIdempotencyStore.layer,
  RedisCheckpointStore.layer
)

export const layer = (input: RedisConfig.Input = {}): Layer.Layer<Services> =>
  ports.pipe(Layer.provideMerge(RedisClient.layer(input)))

export const layerConfig = (
  config?: Config.Config<RedisConfig.RedisConfig>
): Layer.Layer<Services, Config.ConfigError> =>
  ports.pipe(Layer.provideMerge(RedisClient.layerConfig(config)))
