/**
 * `Context.merge(outer, services)` for a layer's services over a caller's context, as handlers and
 * inline projections run: the caller's context with only the services it lacks or holds otherwise
 * added on top. Within one app the caller holds most of them already, so this adds a few entries
 * instead of copying every service into a new map per request (those copies were a fifth of a
 * small command's allocations). Every lookup answers what `Context.merge` would.
 */
import { Context } from "effect"

export const contextOver = <A, R>(
  outer: Context.Context<A>,
  services: Context.Context<R>
): Context.Context<A | R> => {
  const present = outer.mapUnsafe
  let merged: Context.Context<A | R> | undefined
  // The first service is always added (harmless when the same), so the result is typed by them.
  for (const [key, service] of services.mapUnsafe)
    if (merged === undefined || present.get(key) !== service || !present.has(key))
      merged =
        merged === undefined
          ? Context.addUnsafe<A, R, unknown>(outer, key, service)
          : Context.addUnsafe<A | R, R, unknown>(merged, key, service)
  return merged ?? Context.merge(outer, services)
}

/**
 * `contextOver(outer, services)` kept for the last outer context seen: a fiber that dispatches or
 * appends in a loop, and every projection of one append, merge once.
 */
export const lastContextOver = <R>(services: Context.Context<R>) => {
  let lastOuter: Context.Context<never> | undefined
  let lastMerged: Context.Context<R> = services
  return (outer: Context.Context<never>): Context.Context<R> => {
    if (outer !== lastOuter) {
      lastMerged = contextOver(outer, services)
      lastOuter = outer
    }
    return lastMerged
  }
}
