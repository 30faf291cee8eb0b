/**
 * Commands and queries as values, like Effect's own RPC and workflow definitions: a name, a payload
 * schema, a success schema and (optionally) a domain-failure schema. `dispatch(PlaceOrder, payload)`
 * is then typed by the definition alone, and the same schemas decode HTTP bodies, check handler
 * results and store outcomes for idempotency.
 */
import { Effect, Schema, SchemaIssue } from "effect"
import { ValidationError } from "./Errors.js"

/** A schema that needs no services to decode or encode. */
export type Plain = Schema.Top & { readonly DecodingServices: never; readonly EncodingServices: never }

/** Payload fields: plain schemas. */
export type Fields = { readonly [key: string]: Plain }

export interface Definition<
  Name extends string = string,
  P extends Schema.Top = Plain,
  S extends Schema.Top = Plain,
  F extends Schema.Top = Plain
> {
  readonly kind: "command" | "query"
  readonly name: Name
  readonly payload: P
  readonly success: S
  /** `Schema.Never` when no domain failure is declared. */
  readonly failure: F
}

/** The payload a definition takes. */
export type Payload<D extends Definition> = D["payload"]["Type"]
/** What handling it returns. */
export type Success<D extends Definition> = D["success"]["Type"]
/** The domain failure it declares (never when none). */
export type Failure<D extends Definition> = D["failure"]["Type"]

/** The untyped builder behind `Command.make` and `Query.make`, whose overloads type it. */
export const build = (
  kind: "command" | "query",
  name: string,
  options: { readonly payload: Fields; readonly success: Plain; readonly failure?: Plain }
): Definition => ({
  kind,
  name,
  payload: Schema.Struct(options.payload),
  success: options.success,
  failure: options.failure ?? Schema.Never
})

const issuesOf = (error: Schema.SchemaError) =>
  SchemaIssue.makeFormatterStandardSchemaV1()(error.issue).issues.map((issue) => ({
    path: (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join("."),
    message: issue.message
  }))

/**
 * Decodes untrusted input (an HTTP body) into a definition's payload, failing with a
 * `ValidationError` that names every bad field.
 */
export const decode =
  <S extends Plain>(definition: { readonly name: string; readonly payload: S }) =>
  (input: unknown): Effect.Effect<S["Type"], ValidationError> =>
    Schema.decodeUnknownEffect(definition.payload)(input, { errors: "all" }).pipe(
      Effect.mapError((error) => new ValidationError({ name: definition.name, issues: issuesOf(error) }))
    )
