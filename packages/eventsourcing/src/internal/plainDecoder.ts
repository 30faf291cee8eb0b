/**
 * A shortcut decoder for the payloads of tagged struct and class events. A long replay decodes
 * thousands of payloads, and most of Schema's time goes to the machinery around a few `typeof`
 * tests and to the class constructor, which parses the fields a second time. The shortcut reads
 * strings, numbers, booleans, literals, null, structs, arrays and unions itself and runs their
 * checks; any other field (a transformation, a Date, a nested class...) it hands to that field's own
 * Schema decoder; and it builds the event on the class's prototype.
 *
 * It never decides alone that a payload is invalid: each step answers a value, `no` (Schema's
 * decoder rejects this input at this point — used to try a union's next member) or `unsure` (only
 * Schema knows, e.g. `"NaN"` for a number). A top-level answer that is not a value sends the payload
 * to Schema's decoder, which gives the result or the error.
 */
import { Result, Schema, SchemaAST } from "effect"
import { SchemaJITCompiler } from "effect/schema"

export const no: unique symbol = Symbol("@cello/eventsourcing/plainDecoder/no")
export const unsure: unique symbol = Symbol("@cello/eventsourcing/plainDecoder/unsure")

export type Step = (input: unknown) => unknown

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

interface Property {
  readonly name: string
  readonly optional: boolean
  readonly step: Step
}

/** The struct's properties but `skip`, or `undefined` for a struct only Schema reads. */
const properties = (ast: SchemaAST.Objects, skip?: string): ReadonlyArray<Property> | undefined => {
  if (ast.indexSignatures.length > 0 || ast.encodingChecks !== undefined) return undefined
  const out: Array<Property> = []
  for (const property of ast.propertySignatures) {
    // `__proto__` and symbol keys are read and written differently: left to Schema.
    if (typeof property.name !== "string" || property.name === "__proto__") return undefined
    if (property.name !== skip)
      out.push({
        name: property.name,
        optional: SchemaAST.isOptional(property.type),
        step: compile(property.type)
      })
  }
  return out
}

/** Reads the properties in declaration order, as Schema's struct parser does (`in`, not own keys). */
const readInto = (
  props: ReadonlyArray<Property>,
  input: Record<string, unknown>,
  out: Record<string, unknown>
) => {
  for (const property of props) {
    if (!(property.name in input)) {
      if (property.optional) continue
      return no
    }
    const value = property.step(input[property.name])
    if (value === no || value === unsure) return value
    out[property.name] = value
  }
  return out
}

/** A node decoded by its own Schema decoder: its value, or `unsure` (Schema then decodes it all). */
const viaSchema = (ast: SchemaAST.AST): Step => {
  // Built on first use: a type whose payloads never reach this field pays nothing at start-up.
  let decode: ((input: unknown) => Result.Result<unknown, Schema.SchemaError>) | undefined
  return (input) => {
    if (decode === undefined) {
      const json = Schema.toCodecJson(Schema.make<Schema.Codec<unknown, unknown>>(ast))
      SchemaJITCompiler.enable(json.ast)
      decode = Schema.decodeUnknownResult(json)
    }
    const result = decode(input)
    return Result.isSuccess(result) ? result.success : unsure
  }
}

const compileBase = (ast: SchemaAST.AST): Step | undefined => {
  switch (ast._tag) {
    case "String":
      return (input) => (typeof input === "string" ? input : no)
    case "Boolean":
      return (input) => (typeof input === "boolean" ? input : no)
    case "Null":
      return (input) => (input === null ? null : no)
    case "Number":
      // JSON numbers are finite; the JSON codec also reads "NaN" and "±Infinity" strings.
      return (input) =>
        typeof input === "number"
          ? Number.isFinite(input)
            ? input
            : unsure
          : typeof input === "string"
            ? unsure
            : no
    case "Literal": {
      const literal = ast.literal
      const plain =
        typeof literal === "string" ||
        typeof literal === "boolean" ||
        (typeof literal === "number" && Number.isFinite(literal))
      return plain ? (input) => (input === literal ? input : no) : undefined
    }
    case "Arrays": {
      const rest = ast.rest[0]
      if (
        ast.elements.length > 0 ||
        ast.rest.length !== 1 ||
        rest === undefined ||
        ast.encodingChecks !== undefined
      )
        return undefined
      const element = compile(rest)
      return (input) => {
        if (!Array.isArray(input)) return no
        const out: Array<unknown> = new Array(input.length)
        for (let i = 0; i < input.length; i++) {
          const value = element(input[i])
          if (value === no || value === unsure) return value
          out[i] = value
        }
        return out
      }
    }
    case "Objects": {
      const props = properties(ast)
      if (props === undefined) return undefined
      return (input) => (isRecord(input) ? readInto(props, input, {}) : no)
    }
    case "Union": {
      if (ast.options?.mode === "oneOf" || ast.encodingChecks !== undefined) return undefined
      const members = ast.types.map(compile)
      // Schema keeps the first member that decodes.
      return (input) => {
        for (const member of members) {
          const value = member(input)
          if (value !== no) return value
        }
        return no
      }
    }
    default:
      return undefined
  }
}

const flatten = (checks: ReadonlyArray<SchemaAST.Check<unknown>>): Array<SchemaAST.Filter<unknown>> =>
  checks.flatMap((check) => (check._tag === "Filter" ? [check] : flatten(check.checks)))

const noOptions: SchemaAST.ParseOptions = {}

/** The node's checks on the decoded value, as Schema runs them: a failed one is `no`. */
const withChecks = (ast: SchemaAST.AST, step: Step): Step => {
  if (ast.checks === undefined) return step
  const filters = flatten(ast.checks)
  return (input) => {
    const value = step(input)
    if (value === no || value === unsure) return value
    for (const filter of filters) if (filter.run(value, ast, noOptions) !== undefined) return no
    return value
  }
}

/** The step of a schema node. */
export const compile = (ast: SchemaAST.AST): Step => {
  // A transformation (a user codec, a class, a Date...) is only known to Schema.
  const base = ast.encoding === undefined ? compileBase(ast) : undefined
  return base === undefined ? viaSchema(ast) : withChecks(ast, base)
}

/**
 * Reads a stored event payload into `into` (the event under construction) and answers it, or a
 * sentinel. `into` may come back partly filled when the answer is a sentinel.
 */
export type EventStep = (input: unknown, into: Record<string, unknown>) => unknown

/**
 * The step for a stored event payload of a tagged struct or class, which is stored without its
 * `_tag`: it writes the struct's fields into `into`, `_tag` first; `undefined` when the schema is
 * neither. A struct with checks of its own is read into a plain object first, which the checks see
 * as Schema shows it to them, and copied into `into` after.
 */
export const compileEvent = (schema: Schema.Top, tag: string): EventStep | undefined => {
  const ast = schema.ast
  const struct = SchemaAST.isDeclaration(ast)
    ? // A Schema class: its one type parameter is the struct of its fields.
      typeof schema === "function" && ast.checks === undefined && ast.typeParameters.length === 1
      ? ast.typeParameters[0]
      : undefined
    : ast.encoding === undefined
      ? ast
      : undefined
  if (struct === undefined || !SchemaAST.isObjects(struct)) return undefined
  const props = properties(struct, "_tag")
  if (props === undefined) return undefined
  if (struct.checks === undefined)
    return (input, into) => {
      if (!isRecord(input)) return no
      into._tag = tag
      return readInto(props, input, into)
    }
  const checked = withChecks(struct, (input) =>
    isRecord(input) ? readInto(props, input, { _tag: tag }) : no
  )
  return (input, into) => {
    const value = checked(input)
    return value === no || value === unsure ? value : Object.assign(into, value)
  }
}

/** Deep equality of two decoded values: prototypes, own keys in order, extensibility, values. */
export const sameValue = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  if (Object.isExtensible(a) !== Object.isExtensible(b) || Object.isFrozen(a) !== Object.isFrozen(b))
    return false
  const keys = Reflect.ownKeys(a)
  const other = Reflect.ownKeys(b)
  if (keys.length !== other.length) return false
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    if (key === undefined || key !== other[i]) return false
    if (!sameValue(Reflect.get(a, key), Reflect.get(b, key))) return false
  }
  return true
}

// `Object.create` is typed `any`: the instance is an `A` because calibration saw it equal to one
// that Schema built from the same payload.
const instantiate = <A>(prototype: object | null, fields: unknown): A =>
  Object.assign(Object.create(prototype), fields)

/** An empty object on `prototype` for a step to fill: an `A` once the step answers it (see above). */
const blank = <A>(prototype: object | null): A & Record<string, unknown> => Object.create(prototype)

/** The step's answer, `unsure` when it threw (a check can): Schema then decodes and reports it. */
const attempt = (step: EventStep, data: unknown, into: Record<string, unknown>): unknown => {
  try {
    return step(data, into)
  } catch {
    return unsure
  }
}

/**
 * `full` (Schema's decoder), with the step in front once it has proved itself: the first payload
 * the step reads is also decoded by Schema, and the step fills an object on the decoded value's
 * prototype; if both are the same (same own keys, values, prototype — a class whose constructor
 * adds or changes fields fails this), later payloads the step reads take the shortcut, the rest
 * still go to Schema. A step that reads a payload Schema refuses is never used.
 */
export const shortcut = <A, E>(
  step: EventStep,
  full: (data: unknown) => Result.Result<A, E>
): ((data: unknown) => Result.Result<A, E>) => {
  let state: "pending" | "on" | "off" = "pending"
  let prototype: object | null = null
  return (data) => {
    if (state === "on") {
      const into = blank<A>(prototype)
      const fields = attempt(step, data, into)
      if (fields === into) return Result.succeed(into)
      if (fields !== no && fields !== unsure) return Result.succeed(instantiate<A>(prototype, fields))
      return full(data)
    }
    const result = full(data)
    if (state === "pending") {
      const decoded: unknown = Result.isSuccess(result) ? result.success : undefined
      const proto: object | null =
        typeof decoded === "object" && decoded !== null ? Object.getPrototypeOf(decoded) : null
      const into = blank<unknown>(proto)
      const fields = attempt(step, data, into)
      if (fields !== no && fields !== unsure) {
        state = "off"
        if (Result.isSuccess(result)) {
          if (sameValue(fields === into ? into : instantiate<unknown>(proto, fields), decoded)) {
            prototype = proto
            state = "on"
          }
        }
      }
    }
    return result
  }
}
