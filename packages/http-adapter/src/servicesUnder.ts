/**
 * `Context.merge(services, own)` for every request of a router: the routes' services under the
 * request's own context. The merge for the first request is kept; a later request's context holds
 * the same keys, most with the same services (only the request, its route and its state differ), so
 * just the entries that differ are laid over the kept merge instead of copying every service again
 * (two copies of every service per request before). Every lookup answers what `Context.merge` would.
 * The kept merge holds the first request's own entries (its request object among them), shadowed
 * for every later request: one request stays reachable for the router's life, no more.
 */
import { Context } from "effect"

// A request's context lives briefly and gains entries layer by layer (the request, its route, the
// bus's message, the handler's services, spans): past 8 of them, Effect's default, each addition
// copies every service into a new map. Up to 32 stay overlays, read through before the shared map.
const maxDepth = 32

export const servicesUnder = <R>(services: Context.Context<R>) => {
  let kept: { readonly own: ReadonlyMap<string, unknown>; readonly merged: Context.Context<R> } | undefined
  return <Own>(own: Context.Context<Own>): Context.Context<R | Own> => {
    const entries = own.mapUnsafe
    if (kept !== undefined && kept.own.size === entries.size) {
      const base = kept
      let merged: Context.Context<R | Own> | undefined
      let sameKeys = true
      for (const [key, service] of entries) {
        const before = base.own.get(key)
        if (before === undefined && !base.own.has(key)) {
          sameKeys = false
          break
        }
        // The first entry is always laid over (harmless when the same), so the result is typed by it.
        if (merged === undefined || before !== service)
          merged = Context.addUnsafe<R, Own, unknown>(merged ?? base.merged, key, service)
      }
      if (sameKeys && merged !== undefined) return merged
    }
    const merged = Context.makeUnsafe<R | Own>(Context.merge(services, own).mapUnsafe, { maxDepth })
    kept = { own: entries, merged }
    return merged
  }
}
