/**
 * Where the demo keeps its facts: in memory by default; on PostgreSQL when `CELLO_DATABASE_URL` is
 * set (migrations at start-up, `CELLO_DATABASE_SCHEMA` to pick a schema); on embedded PGlite in a
 * folder with `CELLO_DEMO_EMBEDDED=<dir>`. Every port comes from the one store, except that with
 * `CELLO_REDIS_URL` set (`CELLO_REDIS_PREFIX` for the key prefix) the read models and idempotency keys
 * live in Redis while events, snapshots, checkpoints and sagas stay where they are.
 */
import type { IdempotencyStore, ReadModelStore } from "@cello/cqrs"
import type { CheckpointStore, EventStore, SnapshotStore, StoreUnavailable } from "@cello/eventsourcing"
import type { SagaStore } from "@cello/saga"
import { MemoryStore } from "@cello/store-memory"
import { PgStore } from "@cello/store-postgres"
import { RedisStore } from "@cello/store-redis"
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

const eventSide: Layer.Layer<Ports | StoreKind, StoreUnavailable | Config.ConfigError> = Layer.unwrap(
  Effect.gen(function* () {
    const url = yield* Config.option(Config.String("CELLO_DATABASE_URL"))
    if (Option.isSome(url) && url.value.length > 0) return withKind("postgres", PgStore.layerConfig())
    const dir = yield* Config.option(Config.String("CELLO_DEMO_EMBEDDED"))
    if (Option.isSome(dir) && dir.value.length > 0)
      return withKind("pglite", PgStore.layerEmbedded({ dataDir: dir.value }))
    return withKind("memory", MemoryStore.layer)
  })
)

/**
 * With `CELLO_REDIS_URL`, Redis's read-model and idempotency stores replace the event store's own (the
 * later layer of a merge wins). Inline projections then write to Redis after the append's transaction.
 */
export const layer: Layer.Layer<Ports | StoreKind, StoreUnavailable | Config.ConfigError> = Layer.unwrap(
  Effect.gen(function* () {
    const url = yield* Config.option(Config.String("CELLO_REDIS_URL"))
    if (Option.isSome(url) && url.value.length > 0) return Layer.merge(eventSide, RedisStore.layerConfig())
    return eventSide
  })
)
