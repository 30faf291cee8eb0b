/**
 * Every port on PostgreSQL (event sourcing, read models, idempotency keys), from a URL:
 * `PgStore.layer({ url })`, or from the environment: `PgStore.layerConfig()`. Migrations run at
 * start-up unless `migrate: false`.
 */
import type { IdempotencyStore, ReadModelStore } from "@cello/cqrs"
import type { CheckpointStore, EventStore, SnapshotStore } from "@cello/eventsourcing"
import type { SagaStore } from "@cello/saga"
import type { PgClient } from "@effect/sql-pg"
import { type Config, Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import * as Migrations from "./Migrations.js"
import * as PgCheckpointStore from "./PgCheckpointStore.js"
import * as PgDatabase from "./PgDatabase.js"
import * as PgEmbedded from "./PgEmbedded.js"
import * as PgEventStore from "./PgEventStore.js"
import * as PgIdempotencyStore from "./PgIdempotencyStore.js"
import * as PgReadModelStore from "./PgReadModelStore.js"
import * as PgSagaStore from "./PgSagaStore.js"
import * as PgSnapshotStore from "./PgSnapshotStore.js"
import * as PgStoreConfig from "./PgStoreConfig.js"
import type { PgUnavailable } from "./PgUnavailable.js"

export type Services =
  | EventStore.EventStore
  | SnapshotStore.SnapshotStore
  | CheckpointStore.CheckpointStore
  | ReadModelStore.ReadModelStore
  | IdempotencyStore.IdempotencyStore
  | SagaStore.SagaStore
  | PgDatabase.PgDatabase
  | PgClient.PgClient
  | SqlClient.SqlClient

/**
 * A Layer of all of this store's ports, for an app that picks its store at run time: annotate with
 * it (not `Layer<any>`) so a missing service stays a compile error.
 */
export type StoreLayer<E = never> = Layer.Layer<Services, E>

const ports = Layer.mergeAll(
  PgEventStore.layer,
  PgSnapshotStore.layer,
  PgCheckpointStore.layer,
  PgReadModelStore.layer,
  PgIdempotencyStore.layer,
  PgSagaStore.layer
)

const migrateOnStart = Layer.effectDiscard(
  Effect.gen(function* () {
    const database = yield* PgDatabase.PgDatabase
    if (!database.config.migrate) return
    const applied = yield* Migrations.run.pipe(Effect.mapError(database.unavailable("migrate")))
    if (applied.length > 0) yield* Effect.logInfo(`cello: applied migrations ${applied.join(", ")}`)
  })
)

/** The ports over an existing `PgDatabase` (to share a pool you built). */
export const layerFromDatabase: Layer.Layer<
  | EventStore.EventStore
  | SnapshotStore.SnapshotStore
  | CheckpointStore.CheckpointStore
  | ReadModelStore.ReadModelStore
  | IdempotencyStore.IdempotencyStore
  | SagaStore.SagaStore,
  PgUnavailable,
  PgDatabase.PgDatabase
> = Layer.provideMerge(ports, migrateOnStart)

export const layer = (input: PgStoreConfig.Input): Layer.Layer<Services, PgUnavailable> =>
  layerFromDatabase.pipe(Layer.provideMerge(PgDatabase.layer(PgStoreConfig.make(input))))

export const layerConfig = (
  config: Config.Config<PgStoreConfig.PgStoreConfig> = PgStoreConfig.fromEnv
): Layer.Layer<Services, PgUnavailable | Config.ConfigError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const c = yield* config
      return layerFromDatabase.pipe(Layer.provideMerge(PgDatabase.layer(c)))
    })
  )

/**
 * The store on an embedded PGlite database: zero set-up, durable in `dataDir` (in memory without
 * one). One connection, polling subscriptions: for demos, tests and single-process apps.
 */
export const layerEmbedded = (
  options: PgEmbedded.Options & Omit<PgStoreConfig.Input, "url" | "poolSize" | "listen"> = {}
): Layer.Layer<Services, PgUnavailable> =>
  Layer.unwrap(
    Effect.map(PgEmbedded.start(options), (url) =>
      layer({ pollInterval: "100 millis", ...options, url, poolSize: 1, listen: false })
    )
  )
