/**
 * Where the demo keeps its facts: in memory by default; on PostgreSQL when `CELLO_DATABASE_URL` is
 * set (migrations at start-up, `CELLO_DATABASE_SCHEMA` to pick a schema), on MySQL or MariaDB when it
 * starts with `mysql://` or `mariadb://` (`CELLO_DATABASE_NAME` to pick a database); on embedded PGlite in a
 * folder with `CELLO_DEMO_EMBEDDED=<dir>`. Every port comes from the one store, except that with
 * `CELLO_REDIS_URL` set (`CELLO_REDIS_PREFIX` for the key prefix) the read models, idempotency keys and
 * projection checkpoints live in Redis, and Redis pub/sub wakes every instance's projections, while
 * events, snapshots and sagas stay where they are.
 */
import type { IdempotencyStore, ReadModelStore } from "@cello/cqrs"
import type {
  CheckpointStore,
  EventStore,
  SnapshotStore,
  StoreUnavailable,
  Wakeup
} from "@cello/eventsourcing"
import type { SagaStore } from "@cello/saga"
import { MemoryStore } from "@cello/store-memory"
import { MysqlStore, MysqlStoreConfig } from "@cello/store-mysql"
import { PgStore } from "@cello/store-postgres"
import {
  RedisCheckpointStore,
  RedisClient,
  RedisIdempotencyStore,
  RedisReadModelStore,
  RedisWakeup
} from "@cello/store-redis"
import { Config, Effect, Layer, Option } from "effect"
import { type Kind, StoreKind } from "./storeKind.js"

export { StoreKind } from "./storeKind.js"

export type Ports =
  | EventStore.EventStore
  | SnapshotStore.SnapshotStore
  | CheckpointStore.CheckpointStore
  | ReadModelStore.ReadModelStore
  | IdempotencyStore.IdempotencyStore
  | SagaStore.SagaStore

const withKind = <E>(kind: Kind, ports: Layer.Layer<Ports, E>) =>
  Layer.merge(ports, Layer.succeed(StoreKind, kind))

/** The event side; on PostgreSQL, `wakeup` (when it provides one) replaces LISTEN/NOTIFY. */
const eventSide = (
  wakeup: Layer.Layer<Wakeup.Wakeup, Config.ConfigError> | Layer.Layer<never>
): Layer.Layer<Ports | StoreKind, StoreUnavailable | Config.ConfigError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const url = yield* Config.option(Config.String("CELLO_DATABASE_URL"))
      if (Option.isSome(url) && MysqlStoreConfig.isMysqlUrl(url.value))
        return withKind("mysql", MysqlStore.layerConfig().pipe(Layer.provide(wakeup)))
      if (Option.isSome(url) && url.value.length > 0)
        return withKind("postgres", PgStore.layerConfig().pipe(Layer.provide(wakeup)))
      const dir = yield* Config.option(Config.String("CELLO_DEMO_EMBEDDED"))
      if (Option.isSome(dir) && dir.value.length > 0)
        return withKind("pglite", PgStore.layerEmbedded({ dataDir: dir.value }))
      return withKind("memory", MemoryStore.layer)
    })
  )

/** True when `CELLO_REDIS_URL` puts the read side in Redis (and the projections run async). */
export const redisReadSide: Config.Config<boolean> = Config.option(Config.String("CELLO_REDIS_URL")).pipe(
  Config.map((url) => Option.isSome(url) && url.value.length > 0)
)

/**
 * With `CELLO_REDIS_URL`, Redis's read-model, idempotency and checkpoint stores replace the event
 * store's own (the later layer of a merge wins), over one shared Redis connection.
 */
export const layer: Layer.Layer<Ports | StoreKind, StoreUnavailable | Config.ConfigError> = Layer.unwrap(
  Effect.gen(function* () {
    if (!(yield* redisReadSide)) return eventSide(Layer.empty)
    const redis = RedisClient.layerConfig()
    const readSide = Layer.mergeAll(
      RedisReadModelStore.layer,
      RedisIdempotencyStore.layer,
      RedisCheckpointStore.layer
    ).pipe(Layer.provide(redis))
    return Layer.merge(eventSide(RedisWakeup.layer().pipe(Layer.provide(redis))), readSide)
  })
)
