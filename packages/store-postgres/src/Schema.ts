/** The tables of the store, as kysely sees them (columns as the queries select them). */
import type { ColumnType, Generated } from "kysely"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/**
 * `@cello/eventsourcing`'s `EventMetadata`, restated: the connection layer (which every entry point
 * uses) must not need that package. Same shape, so the event store assigns one to the other as is.
 */
export interface StoredMetadata {
  readonly correlationId?: string
  readonly causationId?: string
  readonly [key: string]: Json | undefined
}

export interface EventsTable {
  position: Generated<bigint>
  transaction_id: Generated<string>
  event_id: string
  stream_id: string
  stream_version: ColumnType<bigint, number, never>
  type: string
  schema_version: number
  data: ColumnType<unknown, string, never>
  metadata: ColumnType<StoredMetadata, string, never>
  created_at: Generated<Date>
}

export interface SnapshotsTable {
  stream_id: string
  stream_version: ColumnType<string, number, number>
  state_version: number
  state: ColumnType<unknown, string, string>
  taken_at: Generated<Date>
}

export interface CheckpointsTable {
  name: string
  transaction_id: ColumnType<string | null, string | null, string | null>
  position: ColumnType<string | null, string | null, string | null>
  owner: string | null
  lease_expires_at: Date | null
  updated_at: Generated<Date>
}

export interface ReadModelsTable {
  collection: string
  id: string
  document: ColumnType<unknown, string, string>
  updated_at: Generated<Date>
}

export interface IdempotencyKeysTable {
  key: string
  state: "pending" | "completed"
  outcome: ColumnType<unknown, string | null, string | null>
  expires_at: Date
}

export interface SagasTable {
  id: string
  name: string
  status: string
  context: ColumnType<unknown, string, string>
  version: number
  owner: string | null
  lease_expires_at: Date | null
  failed_step: string | null
  error: string | null
  compensation_failed_step: string | null
  compensation_error: string | null
  recovery_attempts: Generated<number>
  correlation_id: string | null
  traceparent: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface SagaLogTable {
  sequence: Generated<bigint>
  saga_id: string
  step_index: number
  step: string
  phase: string
  status: string
  attempt: number
  error: string | null
  at: Generated<Date>
}

export interface MigrationsTable {
  id: number
  name: string
  applied_at: Generated<Date>
}

export interface Database {
  events: EventsTable
  snapshots: SnapshotsTable
  checkpoints: CheckpointsTable
  read_models: ReadModelsTable
  idempotency_keys: IdempotencyKeysTable
  sagas: SagasTable
  saga_log: SagaLogTable
  cello_migrations: MigrationsTable
}
