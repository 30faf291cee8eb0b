/**
 * The SQL of read-model filters and sort keys on the jsonb `document`, with the memory store's
 * semantics: a missing field matches nothing and sorts last; comparisons hold only between values of
 * one JSON type, so numbers compare as numbers; strings compare by code point (`collate "C"`), the
 * same on every server whatever its default collation.
 */
import { ReadModelStore } from "@cello/cqrs"
import type { CompiledQuery, Kysely, RawBuilder, SqlBool } from "kysely"
import { sql } from "kysely"
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

const isRange = (c: ReadModelStore.Condition): boolean =>
  c.op !== "neq" && c.op !== "in" && typeof c.value === "number"

/**
 * The first sort key as its jsonb value alone, which `ensureIndex`'s index (collection, document -> F)
 * serves in order: the same order as the full terms when every document sorted holds a number there.
 */
const byIndexedNumber = (orderBy: NonNullable<ReadModelStore.ListOptions["orderBy"]>) => {
  const [first, ...rest] = orderBy
  const direction = sql.raw(first?.direction === "desc" ? "desc" : "asc")
  return [sql`${fieldValue(first?.field ?? "")} ${direction}`, ...orderTerms(rest)]
}

const sortedPage = (
  query: ReturnType<typeof filtered>,
  terms: ReadonlyArray<RawBuilder<unknown>>,
  options: ReadModelStore.ListOptions
) => {
  const sorted = terms.reduce(
    (q, term) => q.orderBy(term),
    query.select(["id", sql<string>`document::text`.as("json")])
  )
  const limited = options.limit === undefined ? sorted : sorted.limit(options.limit)
  return options.offset ? limited.offset(options.offset) : limited
}

/**
 * True when every document of the collection holds a number in `field`: its smallest value (nulls
 * last) and its largest (nulls first: a document without the field) are numbers. Two index probes.
 */
const allNumbers = (db: Kysely<Database>, collection: string, field: string) => {
  const end = (direction: "asc" | "desc") =>
    db
      .selectFrom("read_models")
      .select(sql<string>`jsonb_typeof(${fieldValue(field)})`.as("type"))
      .where("collection", "=", collection)
      .orderBy(sql`${fieldValue(field)} ${sql.raw(direction)}`)
      .limit(1)
  return sql<SqlBool>`coalesce((${end("asc")}) = 'number' and (${end("desc")}) = 'number', false)`
}

/**
 * The documents of a list, as JSON text (options already checked). A page (`limit`) ordered first by
 * a field in `indexed`, filtered by nothing but number comparisons on it, walks that field's index
 * and stops after the page (ties on the field are sorted by the other keys as they come): with
 * conditions, they leave only numbers; without, when every document holds a number there (else the
 * full sort, in the same statement, so both read one snapshot).
 */
export const listQuery = (
  db: Kysely<Database>,
  collection: string,
  options: ReadModelStore.ListOptions,
  indexed: ReadonlySet<string>
): CompiledQuery<{ readonly id: string; readonly json: string }> => {
  const where = options.where ?? []
  const orderBy = options.orderBy ?? []
  const first = orderBy[0]
  const full = sortedPage(filtered(db, collection, where), orderTerms(orderBy), options)
  if (
    options.limit === undefined ||
    first === undefined ||
    !indexed.has(first.field) ||
    !where.every((c) => c.field === first.field && isRange(c))
  )
    return full.compile()
  const page = sortedPage(filtered(db, collection, where), byIndexedNumber(orderBy), options)
  if (where.length > 0) return page.compile()
  const numbers = allNumbers(db, collection, first.field)
  return sql<{
    readonly id: string
    readonly json: string
  }>`(${page.where(numbers)}) union all (${full.where(sql<SqlBool>`not ${numbers}`)})`.compile(db)
}

export const countQuery = (
  db: Kysely<Database>,
  collection: string,
  where: ReadonlyArray<ReadModelStore.Condition>
) => filtered(db, collection, where).select(sql<string>`count(*)::text`.as("n"))
