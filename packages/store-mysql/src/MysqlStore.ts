/**
 * Every port (event sourcing, read models, idempotency keys, sagas) on MySQL/MariaDB, from a URL: `MysqlStore.layer({ url })`, or from the
 * environment: `MysqlStore.layerConfig()`. Migrations run at start-up unless `migrate: false`.
 */
import type { IdempotencyStore, ReadModelStore } from "@cello/cqrs"
import {
  type CheckpointStore,
  type EventStore,
  type SnapshotStore,
  StoreUnavailable
} from "@cello/eventsourcing"
import type { SagaStore } from "@cello/saga"
import { type Config, Effect, Layer, Redacted } from "effect"
import * as Migrations from "./Migrations.js"
import * as MysqlCheckpointStore from "./MysqlCheckpointStore.js"
import * as MysqlDatabase from "./MysqlDatabase.js"
import * as MysqlEventStore from "./MysqlEventStore.js"
import * as MysqlIdempotencyStore from "./MysqlIdempotencyStore.js"
import * as MysqlReadModelStore from "./MysqlReadModelStore.js"
import * as MysqlSagaStore from "./MysqlSagaStore.js"
import * as MysqlSnapshotStore from "./MysqlSnapshotStore.js"
import * as MysqlStoreConfig from "./MysqlStoreConfig.js"

export type Ports =
  | EventStore.EventStore
  | SnapshotStore.SnapshotStore
  | CheckpointStore.CheckpointStore
  | ReadModelStore.ReadModelStore
  | IdempotencyStore.IdempotencyStore
  | SagaStore.SagaStore

export type Services = Ports | MysqlDatabase.MysqlDatabase

/**
 * A Layer of all of this store's ports, for an app that picks its store at run time: annotate with
 * it (not `Layer<any>`) so a missing service stays a compile error.
 */
export type StoreLayer<E = never> = Layer.Layer<Services, E>

const ports = Layer.mergeAll(
  MysqlEventStore.layer,
  MysqlSnapshotStore.layer,
  MysqlCheckpointStore.layer,
  MysqlReadModelStore.layer,
  MysqlIdempotencyStore.layer,
  MysqlSagaStore.layer
)

const migrateOnStart = Layer.effectDiscard(
  Effect.gen(function* () {
    const database = yield* MysqlDatabase.MysqlDatabase
    if (!database.config.migrate) return
    const applied = yield* Migrations.run.pipe(Effect.mapError(database.unavailable("migrate")))
    if (applied.length > 0) yield* Effect.logInfo(`cello: applied migrations ${applied.join(", ")}`)
  })
)

/** The ports over an existing `MysqlDatabase` (to share a pool you built). */
export const layerFromDatabase: Layer.Layer<Ports, StoreUnavailable, MysqlDatabase.MysqlDatabase> =
  Layer.provideMerge(ports, migrateOnStart)

const fromConfig = (config: MysqlStoreConfig.MysqlStoreConfig): Layer.Layer<Services, StoreUnavailable> =>
  Layer.unwrap(
    Effect.gen(function* () {
      if (!MysqlStoreConfig.isMysqlUrl(Redacted.value(config.url)))
        return yield* new StoreUnavailable({
          store: "mysql",
          operation: "configure",
          detail: "the database URL must start with mysql:// or mariadb://"
        })
      return layerFromDatabase.pipe(Layer.provideMerge(MysqlDatabase.layer(config)))
    })
  )

export const layer = (input: MysqlStoreConfig.Input): Layer.Layer<Services, StoreUnavailable> =>
  fromConfig(MysqlStoreConfig.make(input))

/** The store from `CELLO_DATABASE_URL` (which must start with `mysql://` or `mariadb://`) and friends. */
export const layerConfig = (
  config: Config.Config<MysqlStoreConfig.MysqlStoreConfig> = MysqlStoreConfig.fromEnv
): Layer.Layer<Services, StoreUnavailable | Config.ConfigError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      return fromConfig(yield* config)
    })
  )
