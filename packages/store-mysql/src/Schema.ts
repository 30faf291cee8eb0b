/**
 * The tables of the store, as kysely sees them: columns as `mysql2` returns them here (BIGINT as
 * decimal text, VARBINARY as a Buffer, DATETIME as text in UTC), and as they are written.
 */
import type { ColumnType } from "kysely"

/** A stream id: written as text, stored as its UTF-8 bytes (exact, no collation), read as a Buffer. */
type StreamId = ColumnType<Buffer | string, string, string>
type BigIntText = ColumnType<string | number, string | number, string | number>

export interface EventsTable {
  position: BigIntText
  event_id: string
  stream_id: StreamId
  stream_version: BigIntText
  type: string
  schema_version: number
  data: string
  metadata: string
  created_at: string
}

/** One row (id 1): the last position handed out. Updating it serialises position assignment. */
export interface PositionsTable {
  id: number
  last: BigIntText
}

export interface SnapshotsTable {
  stream_id: StreamId
  stream_version: BigIntText
  state_version: number
  state: string
  taken_at: string
}

export interface CheckpointsTable {
  name: string
  transaction_id: ColumnType<string | null, string | null, string | null>
  position: ColumnType<string | null, string | null, string | null>
  owner: string | null
  lease_expires_at: string | null
  updated_at: string
}

export interface ReadModelsTable {
  collection: string
  id: string
  document: string
  updated_at: string
}

export interface IdempotencyKeysTable {
  key: string
  state: "pending" | "completed"
  outcome: string | null
  expires_at: string
}

export interface SagasTable {
  id: string
  name: string
  status: string
  context: string
  version: number
  owner: string | null
  lease_expires_at: string | null
  failed_step: string | null
  error: string | null
  compensation_failed_step: string | null
  compensation_error: string | null
  recovery_attempts: number
  created_at: string
  updated_at: string
  correlation_id: string | null
  traceparent: string | null
}

export interface SagaLogTable {
  sequence: ColumnType<string, never, never>
  saga_id: string
  step_index: number
  step: string
  phase: string
  status: string
  attempt: number
  error: string | null
  at: string
}

export interface MigrationsTable {
  id: number
  name: string
  applied_at: string
}

export interface Database {
  events: EventsTable
  positions: PositionsTable
  snapshots: SnapshotsTable
  checkpoints: CheckpointsTable
  read_models: ReadModelsTable
  idempotency_keys: IdempotencyKeysTable
  sagas: SagasTable
  saga_log: SagaLogTable
  cello_migrations: MigrationsTable
}
