/** Sagas: one row per saga (status, context, version, lease) and the append-only step log. */
export const name = "sagas"

const table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

export const up = (q: (name: string) => string): ReadonlyArray<string> => [
  // Few indexes, as every step writes the row: recovery scans the sagas by status and creation time,
  // listings walk creation time backwards.
  `CREATE TABLE IF NOT EXISTS ${q("sagas")} (
    id VARCHAR(255) NOT NULL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    status VARCHAR(32) NOT NULL,
    context LONGTEXT NOT NULL,
    version INT UNSIGNED NOT NULL,
    owner VARCHAR(255) NULL,
    lease_expires_at DATETIME(6) NULL,
    failed_step TEXT NULL,
    error TEXT NULL,
    compensation_failed_step TEXT NULL,
    compensation_error TEXT NULL,
    recovery_attempts INT UNSIGNED NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    KEY sagas_by_status (status, created_at),
    KEY sagas_by_created_at (created_at)
  ) ${table}`,
  `CREATE TABLE IF NOT EXISTS ${q("saga_log")} (
    sequence BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    saga_id VARCHAR(255) NOT NULL,
    step_index INT UNSIGNED NOT NULL,
    step TEXT NOT NULL,
    phase VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL,
    attempt INT UNSIGNED NOT NULL,
    error TEXT NULL,
    at DATETIME(6) NOT NULL,
    KEY saga_log_by_saga (saga_id, sequence)
  ) ${table}`
]
