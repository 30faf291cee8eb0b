/**
 * `Context.merge(outer, services)` for a layer's services over a caller's context, as handlers and
 * inline projections run: the caller's context with only the services it lacks or holds otherwise
 * added on top. Within one app the caller holds most of them already, so this adds a few entries
 * instead of copying every service into a new map per request (those copies were a fifth of a
 * small command's allocations). The caller's context is read key by key, never flattened into a
 * map of its own. Every lookup answers what `Context.merge` would.
 */
import { Context } from "effect"

/** `(outer) => contextOver(outer, services)`, with the keys of `services` prepared once. */
export const overlayOf = <R>(services: Context.Context<R>) => {
  const entries = Array.from(services.mapUnsafe, ([key, service]) => ({
    key,
    probe: Context.Service<unknown>(key),
    service
  }))
  return <A>(outer: Context.Context<A>): Context.Context<A | R> => {
    let merged: Context.Context<A | R> | undefined
    // The first service is always added (harmless when the same), so the result is typed by them;
    // an undefined service too, since a lookup cannot tell it from a missing one.
    for (const { key, probe, service } of entries)
      if (merged === undefined || service === undefined || Context.getOrUndefined(outer, probe) !== service)
        merged = Context.addUnsafe<A, R, unknown>(merged ?? outer, key, service)
    return merged ?? Context.merge(outer, services)
  }
}

export const contextOver = <A, R>(
  outer: Context.Context<A>,
  services: Context.Context<R>
): Context.Context<A | R> => overlayOf(services)(outer)

/**
 * `contextOver(outer, services)` kept for the last outer context seen: a fiber that dispatches or
 * appends in a loop, and every projection of one append, merge once.
 */
export const lastContextOver = <R>(services: Context.Context<R>) => {
  const over = overlayOf(services)
  let lastOuter: Context.Context<never> | undefined
  let lastMerged: Context.Context<R> = services
  return (outer: Context.Context<never>): Context.Context<R> => {
    if (outer !== lastOuter) {
      lastMerged = over(outer)
      lastOuter = outer
    }
    return lastMerged
  }
}
