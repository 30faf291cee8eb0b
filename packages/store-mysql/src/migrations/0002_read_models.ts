/** The read side of CQRS: read-model documents (JSON text, by collection and id) and idempotency keys. */
export const name = "read_models"

const table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

export const up = (q: (name: string) => string): ReadonlyArray<string> => [
  // A binary collation: ids sort by code point, as in every store, and the primary key serves that order.
  `CREATE TABLE IF NOT EXISTS ${q("read_models")} (
    collection VARCHAR(255) NOT NULL,
    id VARCHAR(255) NOT NULL,
    document LONGTEXT NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    PRIMARY KEY (collection, id)
  ) ${table}`,
  `CREATE TABLE IF NOT EXISTS ${q("idempotency_keys")} (
    \`key\` VARCHAR(512) NOT NULL PRIMARY KEY,
    state VARCHAR(16) NOT NULL,
    outcome LONGTEXT NULL,
    expires_at DATETIME(6) NOT NULL
  ) ${table}`
]
