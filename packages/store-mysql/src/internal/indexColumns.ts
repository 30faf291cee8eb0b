/**
 * What `ensureIndex(collection, field)` builds on MySQL and MariaDB, which have no expression indexes
 * in common: two virtual generated columns per field on `read_models` (the field's number as DOUBLE,
 * its string's first 255 characters), each indexed with the collection. A column is NULL when the
 * field holds another JSON type or nothing, so the number column orders numbers numerically and the
 * string column strings by code point (`utf8mb4_bin`), as the reference semantics do. The field was
 * checked (1 to 50 letters, digits, _): names fit MySQL's 64 characters and are written as literals.
 */
import type { RawBuilder } from "kysely"
import { sql } from "kysely"

/** Characters of a string the string column keeps: the index narrows, the full value decides. */
export const stringPrefix = 255

export const numberColumn = (field: string): string => `cello_n_${field}`
export const stringColumn = (field: string): string => `cello_s_${field}`
export const numberIndex = (field: string): string => `read_models_n_${field}`
export const stringIndex = (field: string): string => `read_models_s_${field}`

const jsonPath = (field: string) => `'$."${field}"'`
const extracted = (field: string) => `JSON_EXTRACT(document, ${jsonPath(field)})`

/** The DDL of the two columns (the expressions both MariaDB 10.6+ and MySQL 8.0.17+ take). */
export const columnDefinitions = (field: string): ReadonlyArray<string> => [
  `ADD COLUMN \`${numberColumn(field)}\` DOUBLE AS (CASE WHEN JSON_TYPE(${extracted(field)}) IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL') THEN CAST(JSON_UNQUOTE(${extracted(field)}) AS DOUBLE) END) VIRTUAL`,
  `ADD COLUMN \`${stringColumn(field)}\` VARCHAR(${stringPrefix}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin AS (CASE WHEN JSON_TYPE(${extracted(field)}) = 'STRING' THEN LEFT(JSON_UNQUOTE(${extracted(field)}), ${stringPrefix}) END) VIRTUAL`
]

export const indexDefinitions = (field: string): ReadonlyArray<string> => [
  `ADD INDEX \`${numberIndex(field)}\` (collection, \`${numberColumn(field)}\`)`,
  `ADD INDEX \`${stringIndex(field)}\` (collection, \`${stringColumn(field)}\`)`
]

export const numberOf = (field: string): RawBuilder<unknown> => sql.ref(numberColumn(field))
export const stringOf = (field: string): RawBuilder<unknown> => sql.ref(stringColumn(field))
