/**
 * The SQL of read-model filters and sort keys on the JSON text `document`, with the memory store's
 * semantics: a missing field matches nothing and sorts last; comparisons hold only between values of
 * one JSON type, so numbers compare as numbers and booleans as false < true; strings compare by code
 * point (`utf8mb4_bin`). Field paths and values are bound parameters.
 */
import type { ReadModelStore } from "@cello/cqrs"
import type { CompiledQuery, Kysely, RawBuilder, SqlBool } from "kysely"
import { sql } from "kysely"
import type { Database } from "../Schema.js"
import { numberOf, stringOf, stringPrefix } from "./indexColumns.js"

/** `$."field"`: the field as one key, whatever it holds (dots, quotes). */
const path = (field: string) => `$.${JSON.stringify(field)}`

const extracted = (field: string) => sql`JSON_EXTRACT(document, ${path(field)})`
/** The JSON type (`NULL`, `STRING`, `INTEGER`, `DOUBLE`, `BOOLEAN`, …), SQL NULL when missing. */
const typeOf = (field: string) => sql`JSON_TYPE(${extracted(field)})`
/** The value as text: a string unquoted, a number or `true`/`false` as written. */
const text = (field: string) => sql`(JSON_UNQUOTE(${extracted(field)}) COLLATE utf8mb4_bin)`
const isNumber = (field: string) =>
  sql`(${typeOf(field)} IN ('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL'))`
const number = (field: string) => sql`CAST(JSON_UNQUOTE(${extracted(field)}) AS DOUBLE)`
const boolean = (field: string) => sql`(JSON_UNQUOTE(${extracted(field)}) = 'true')`

const operators = { eq: "=", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const

type Comparison = keyof typeof operators

/** `field op value` between values of the value's JSON type; false for any other type or none. */
const compare = (
  field: string,
  op: Comparison,
  value: string | number | boolean | null
): RawBuilder<SqlBool> => {
  const operator = sql.raw(operators[op])
  if (value === null) return op === "gt" || op === "lt" ? sql`FALSE` : sql`(${typeOf(field)} = 'NULL')`
  if (typeof value === "string")
    return sql`(${typeOf(field)} = 'STRING' AND ${text(field)} ${operator} (${value} COLLATE utf8mb4_bin))`
  if (typeof value === "number") return sql`(${isNumber(field)} AND ${number(field)} ${operator} ${value})`
  return sql`(${typeOf(field)} = 'BOOLEAN' AND ${boolean(field)} ${operator} ${value ? 1 : 0})`
}

/** A string's first characters (code points, as `LEFT` counts them), as the string column keeps them. */
const prefix = (value: string): string => Array.from(value).slice(0, stringPrefix).join("")

/**
 * A condition on an indexed field's columns that every document matching `c` meets, so the index
 * can find the candidates; the exact condition still decides. Numbers are exact in their column; a
 * string column holds a prefix, and prefixes keep the order (non-strict). None for null, booleans,
 * `neq` and mixed `in` lists: those read the collection as before.
 */
const narrowing = (c: ReadModelStore.Condition): RawBuilder<SqlBool> | undefined => {
  if (c.op === "neq") return undefined
  if (c.op === "in") {
    const values = c.value
    if (values.length > 0 && values.every((v) => typeof v === "number"))
      return sql`${numberOf(c.field)} IN (${sql.join(values)})`
    if (values.length > 0 && values.every((v) => typeof v === "string"))
      return sql`${stringOf(c.field)} IN (${sql.join(values.map(prefix))})`
    return undefined
  }
  if (typeof c.value === "number") return sql`${numberOf(c.field)} ${sql.raw(operators[c.op])} ${c.value}`
  if (typeof c.value === "string") {
    const bound = prefix(c.value)
    if (c.op === "eq") return sql`${stringOf(c.field)} = ${bound}`
    return sql`${stringOf(c.field)} ${sql.raw(c.op === "gt" || c.op === "gte" ? ">=" : "<=")} ${bound}`
  }
  return undefined
}

const condition = (c: ReadModelStore.Condition, indexed: ReadonlySet<string>): RawBuilder<SqlBool> => {
  const exact = exactCondition(c)
  const narrowed = indexed.has(c.field) ? narrowing(c) : undefined
  return narrowed === undefined ? exact : sql`(${narrowed} AND ${exact})`
}

const exactCondition = (c: ReadModelStore.Condition): RawBuilder<SqlBool> => {
  switch (c.op) {
    case "in":
      return c.value.length === 0
        ? sql`FALSE`
        : sql`(${sql.join(
            c.value.map((v) => compare(c.field, "eq", v)),
            sql` OR `
          )})`
    case "neq":
      return sql`(${typeOf(c.field)} IS NOT NULL AND NOT ${compare(c.field, "eq", c.value)})`
    default:
      return compare(c.field, c.op, c.value)
  }
}

// The order of JSON types, made explicit: null, string, number, boolean, array, object.
const typeRank = (field: string) =>
  sql`(CASE ${typeOf(field)} WHEN 'NULL' THEN 0 WHEN 'STRING' THEN 1 WHEN 'BOOLEAN' THEN 3 WHEN 'ARRAY' THEN 4 WHEN 'OBJECT' THEN 5 ELSE 2 END)`

/** ORDER BY terms: per key the missing-last flag, the type, the string, the number or boolean; then the id. */
const orderTerms = (orderBy: NonNullable<ReadModelStore.ListOptions["orderBy"]>) => [
  ...orderBy.flatMap((key) => {
    const direction = sql.raw(key.direction === "desc" ? "DESC" : "ASC")
    return [
      sql`(${typeOf(key.field)} IS NULL)`,
      sql`${typeRank(key.field)} ${direction}`,
      sql`(CASE WHEN ${typeOf(key.field)} = 'STRING' THEN ${text(key.field)} END) ${direction}`,
      sql`(CASE WHEN ${isNumber(key.field)} THEN ${number(key.field)} WHEN ${typeOf(key.field)} = 'BOOLEAN' THEN ${boolean(key.field)} END) ${direction}`
    ]
  }),
  sql`id`
]

const filtered = (
  db: Kysely<Database>,
  collection: string,
  where: ReadonlyArray<ReadModelStore.Condition>,
  indexed: ReadonlySet<string>
) =>
  where.reduce(
    (query, c) => query.where(condition(c, indexed)),
    db.selectFrom("read_models").where("collection", "=", collection)
  )

const isNumberRange = (c: ReadModelStore.Condition): boolean =>
  c.op !== "neq" && c.op !== "in" && typeof c.value === "number"

/** The first sort key as the field's number column alone, which the index (collection, column, id) holds. */
const byNumberColumn = (orderBy: NonNullable<ReadModelStore.ListOptions["orderBy"]>) => {
  const [first, ...rest] = orderBy
  const direction = sql.raw(first?.direction === "desc" ? "DESC" : "ASC")
  return [sql`${numberOf(first?.field ?? "")} ${direction}`, ...orderTerms(rest)]
}

/**
 * For a descending page by an indexed number (`limit` > 0): the page's last value, found by walking
 * the index backwards (`column DESC, id DESC`, which an ascending index serves, unlike the page's own
 * `column DESC, id`: MariaDB before 10.8 has no descending index entries). As a one-row derived
 * table the planner reads it first, as a constant, so the page reads only the rows at or above it
 * (the page and the ties of its last value) and sorts those, instead of sorting the collection.
 * Fewer rows than the page: no value, and no bound.
 */
const pageBound = (
  db: Kysely<Database>,
  collection: string,
  options: ReadModelStore.ListOptions,
  indexed: ReadonlySet<string>,
  field: string
) => {
  const last = filtered(db, collection, options.where ?? [], indexed)
    .select(numberOf(field).as("b"))
    .orderBy(numberOf(field), "desc")
    .orderBy("id", "desc")
    .limit(1)
    .offset((options.offset ?? 0) + (options.limit ?? 1) - 1)
  return sql<{ readonly b: number | null }>`(SELECT (${last}) AS b)`.as("bound")
}

/** The kysely query of a list ordered by `terms` (`bound`: the field of a descending page's bound). */
const listBuilder = (
  db: Kysely<Database>,
  collection: string,
  options: ReadModelStore.ListOptions,
  indexed: ReadonlySet<string>,
  terms: ReadonlyArray<RawBuilder<unknown>>,
  bound?: string
) => {
  const rows = filtered(db, collection, options.where ?? [], indexed)
  const bounded =
    bound === undefined
      ? rows
      : rows
          .innerJoin(pageBound(db, collection, options, indexed, bound), (join) => join.onTrue())
          .where(sql<SqlBool>`${numberOf(bound)} >= COALESCE(bound.b, -1.7976931348623157e308)`)
  const sorted = terms.reduce((q, term) => q.orderBy(term), bounded.select(["id", "document"]))
  // MySQL takes OFFSET only with a LIMIT: "all the rows" is the largest BIGINT UNSIGNED.
  const limited =
    options.limit !== undefined
      ? sorted.limit(options.limit)
      : options.offset
        ? sorted.limit(sql<number>`18446744073709551615`)
        : sorted
  return options.offset ? limited.offset(options.offset) : limited
}

/** The field whose index bounds a descending page (see `pageBound`), if the list is one. */
const descendingPage = (options: ReadModelStore.ListOptions): string | undefined => {
  const first = options.orderBy?.[0]
  return first?.direction === "desc" && options.limit !== undefined && options.limit > 0
    ? first.field
    : undefined
}

type Row = { readonly id: string; readonly document: string }

/**
 * The documents of a list (options already checked); `indexed`: fields whose columns exist.
 *
 * Ordered first by an indexed field, the number column alone gives the reference order when every
 * row listed holds a number there: so when number conditions on that field are the only filter, and,
 * for an unfiltered page (`limit`), when no document of the collection lacks a number there (one
 * index probe, in the same statement as the fallback full sort, so both read one snapshot). An
 * ascending page then walks the index and stops after the page; a descending one reads the rows from
 * its last value up (`pageBound`) and sorts only those.
 *
 * A list in id order alone that an index narrows tells the planner not to walk the primary key for
 * that order: MariaDB 10.11 prefers walking the whole collection in id order over reading the few
 * rows an index finds and sorting them (its trace costs the index lower, then its ORDER BY check
 * switches).
 */
export const listQuery = (
  db: Kysely<Database>,
  collection: string,
  options: ReadModelStore.ListOptions,
  indexed: ReadonlySet<string> = new Set()
): CompiledQuery<Row> => {
  const where = options.where ?? []
  const orderBy = options.orderBy ?? []
  const first = orderBy[0]
  if (first !== undefined && indexed.has(first.field)) {
    if (where.length > 0 && where.every((c) => c.field === first.field && isNumberRange(c)))
      return listBuilder(
        db,
        collection,
        options,
        indexed,
        byNumberColumn(orderBy),
        descendingPage(options)
      ).compile()
    if (where.length === 0 && options.limit !== undefined) {
      const missing = db
        .selectFrom("read_models")
        .select(sql`1`.as("one"))
        .where("collection", "=", collection)
        .where(sql<SqlBool>`${numberOf(first.field)} IS NULL`)
      const page = listBuilder(
        db,
        collection,
        options,
        indexed,
        byNumberColumn(orderBy),
        descendingPage(options)
      ).where(sql<SqlBool>`NOT EXISTS (${missing})`)
      const full = listBuilder(db, collection, options, indexed, orderTerms(orderBy)).where(
        sql<SqlBool>`EXISTS (${missing})`
      )
      return sql<Row>`(${page}) UNION ALL (${full})`.compile(db)
    }
  }
  const compiled = listBuilder(db, collection, options, indexed, orderTerms(orderBy)).compile()
  const narrowed = where.some((c) => indexed.has(c.field) && narrowing(c) !== undefined)
  if (orderBy.length > 0 || !narrowed) return compiled
  const from = /^(select .*? from `[^`]+`\.`read_models`)/
  return { ...compiled, sql: compiled.sql.replace(from, "$1 IGNORE INDEX FOR ORDER BY (PRIMARY)") }
}

export const countQuery = (
  db: Kysely<Database>,
  collection: string,
  where: ReadonlyArray<ReadModelStore.Condition>,
  indexed: ReadonlySet<string> = new Set()
) => filtered(db, collection, where, indexed).select(sql<string>`COUNT(*)`.as("n"))
