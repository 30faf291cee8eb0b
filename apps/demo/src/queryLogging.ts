/**
 * The query bus's logging, with a query's declared failures at Debug: the bus's default logs them
 * at Warn, and a `GET /orders/{id}` for an order that does not exist is an answer (404), not a fault
 * to warn about — at Warn it printed a line per such request. Undeclared failures stay at Warn and
 * defects at Error.
 */
import { Middleware, QueryBus } from "@cello/cqrs"
import { Cause, Effect, Option, Schema } from "effect"

const declared = new WeakMap<object, (u: unknown) => boolean>()

const isDeclared = (schema: Schema.Top): ((u: unknown) => boolean) => {
  let is = declared.get(schema)
  if (is === undefined) {
    is = Schema.is(schema)
    declared.set(schema, is)
  }
  return is
}

export const logging: Middleware.Handler = (context, next) =>
  Effect.tapCause(next, (cause) => {
    const name = `${context.kind} ${context.definition.name}`
    if (Cause.hasDies(cause)) return Effect.logError(`${name} died`, cause)
    const error = Cause.findErrorOption(cause)
    return Option.isSome(error) && isDeclared(context.definition.failure)(error.value)
      ? Effect.logDebug(`${name} answered a declared failure`, error.value)
      : Effect.logWarning(`${name} failed`, Cause.squash(cause))
  })

/** The query bus with the default middleware, `logging` in place of the default logging. */
export const queryBus = QueryBus.layer({
  middleware: Middleware.defaults.map((middleware) =>
    middleware === Middleware.logging ? logging : middleware
  )
})
