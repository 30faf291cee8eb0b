/**
 * The SQL of read-model filters and sort keys on the jsonb `document`, with the memory store's
 * semantics: a missing field matches nothing and sorts last; comparisons hold only between values of
 * one JSON type, so numbers compare as numbers; strings compare by code point (`collate "C"`), the
 * same on every server whatever its default collation.
 */
import { ReadModelStore } from "@cello/cqrs"
import { type Kysely, type RawBuilder, type SqlBool, sql } from "kysely"
import type { Database } from "../Schema.js"

// A field that can be indexed is written as a literal, so the planner matches `ensureIndex`'s index
// expression in every plan; any other name is a bound parameter (it can hold anything).
const fieldName = (field: string): RawBuilder<unknown> =>
  ReadModelStore.isIndexableField(field) ? sql.lit(field) : sql`${field}::text`

/** The field as jsonb: SQL NULL when the document lacks it, jsonb `null` when it holds null. */
const fieldValue = (field: string): RawBuilder<unknown> => sql`(document -> ${fieldName(field)})`

const fieldText = (field: string): RawBuilder<unknown> => sql`(document ->> ${fieldName(field)})`

const json = (value: unknown): RawBuilder<unknown> => sql`${JSON.stringify(value)}::jsonb`

const operators = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const

const condition = (c: ReadModelStore.Condition): RawBuilder<SqlBool> => {
  const value = fieldValue(c.field)
  switch (c.op) {
    case "eq":
      return sql`${value} = ${json(c.value)}`
    case "neq":
      return sql`${value} <> ${json(c.value)}`
    case "in":
      return c.value.length === 0 ? sql`false` : sql`${value} in (${sql.join(c.value.map(json))})`
    default: {
      const operator = sql.raw(operators[c.op])
      return typeof c.value === "string"
        ? sql`(jsonb_typeof(${value}) = 'string' and ${fieldText(c.field)} collate "C" ${operator} ${c.value}::text)`
        : sql`(jsonb_typeof(${value}) = jsonb_typeof(${json(c.value)}) and ${value} ${operator} ${json(c.value)})`
    }
  }
}

// jsonb's order of types, made explicit so strings can be compared apart (with a binary collation).
const typeRank = (value: RawBuilder<unknown>) =>
  sql`(case jsonb_typeof(${value}) when 'null' then 0 when 'string' then 1 when 'number' then 2 when 'boolean' then 3 when 'array' then 4 else 5 end)`

/** ORDER BY terms: per key the missing-last flag, the type, the string or the number/boolean; then the id. */
const orderTerms = (
  orderBy: NonNullable<ReadModelStore.ListOptions["orderBy"]>
): ReadonlyArray<RawBuilder<unknown>> => [
  ...orderBy.flatMap((key) => {
    const value = fieldValue(key.field)
    const direction = sql.raw(key.direction === "desc" ? "desc" : "asc")
    return [
      sql`${value} is null`,
      sql`${typeRank(value)} ${direction}`,
      sql`(case when jsonb_typeof(${value}) = 'string' then ${fieldText(key.field)} end) collate "C" ${direction}`,
      sql`(case when jsonb_typeof(${value}) in ('number', 'boolean') then ${value} end) ${direction}`
    ]
  }),
  sql`id`
]

const filtered = (db: Kysely<Database>, collection: string, where: ReadonlyArray<ReadModelStore.Condition>) =>
  where.reduce(
    (query, c) => query.where(condition(c)),
    db.selectFrom("read_models").where("collection", "=", collection)
  )

/** The documents of a list, as JSON text (options already checked). */
export const listQuery = (db: Kysely<Database>, collection: string, options: ReadModelStore.ListOptions) => {
  const sorted = orderTerms(options.orderBy ?? []).reduce(
    (query, term) => query.orderBy(term),
    filtered(db, collection, options.where ?? []).select(["id", sql<string>`document::text`.as("json")])
  )
  const limited = options.limit === undefined ? sorted : sorted.limit(options.limit)
  return options.offset ? limited.offset(options.offset) : limited
}

export const countQuery = (
  db: Kysely<Database>,
  collection: string,
  where: ReadonlyArray<ReadModelStore.Condition>
) => filtered(db, collection, where).select(sql<string>`count(*)::text`.as("n"))
