/**
 * The event store: events (position-clustered), the position counter, snapshots, checkpoints.
 * Every table is utf8mb4 with a binary collation (text compares by code point, exactly as stored);
 * stream ids are VARBINARY so a 1,024-byte id fits an InnoDB index entry (3,072 bytes at most).
 * MySQL commits DDL implicitly, so each statement is written to be re-runnable (`IF NOT EXISTS`).
 */
export const name = "event_store"

const table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

export const up = (q: (name: string) => string): ReadonlyArray<string> => [
  `CREATE TABLE IF NOT EXISTS ${q("events")} (
    position BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    event_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    stream_id VARBINARY(1024) NOT NULL,
    stream_version BIGINT UNSIGNED NOT NULL,
    type VARCHAR(256) NOT NULL,
    schema_version INT UNSIGNED NOT NULL,
    data LONGTEXT NOT NULL,
    metadata LONGTEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY events_event_id (event_id),
    UNIQUE KEY events_stream (stream_id, stream_version)
  ) ${table}`,
  `CREATE TABLE IF NOT EXISTS ${q("positions")} (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    last BIGINT UNSIGNED NOT NULL
  ) ${table}`,
  `INSERT IGNORE INTO ${q("positions")} (id, last) VALUES (1, 0)`,
  `CREATE TABLE IF NOT EXISTS ${q("snapshots")} (
    stream_id VARBINARY(1024) NOT NULL PRIMARY KEY,
    stream_version BIGINT UNSIGNED NOT NULL,
    state_version INT UNSIGNED NOT NULL,
    state LONGTEXT NOT NULL,
    taken_at DATETIME(6) NOT NULL
  ) ${table}`,
  `CREATE TABLE IF NOT EXISTS ${q("checkpoints")} (
    name VARCHAR(255) NOT NULL PRIMARY KEY,
    transaction_id BIGINT UNSIGNED NULL,
    position BIGINT UNSIGNED NULL,
    owner VARCHAR(255) NULL,
    lease_expires_at DATETIME(6) NULL,
    updated_at DATETIME(6) NOT NULL
  ) ${table}`
]
