/**
 * Which failures may pass by themselves, so retrying them makes sense. This package depends on
 * `effect` alone and cannot know the error classes of the other Cello packages, so it goes by the
 * failure's `_tag`: a conflict with another writer, a store that is briefly down, a timeout. A step
 * chooses otherwise with its policy's `retryOn`.
 */

/**
 * The `_tag`s retried by default: `ConcurrencyError` (@cello/eventsourcing: another writer won),
 * `StoreUnavailable` (any Cello store), `StepTimedOut` (this package), `TimeoutError` (Effect's
 * `Effect.timeout`), `CommandTimeout` and `QueryTimeout` (@cello/cqrs).
 */
export const defaultTags: ReadonlySet<string> = new Set([
  "ConcurrencyError",
  "StoreUnavailable",
  "StepTimedOut",
  "TimeoutError",
  "CommandTimeout",
  "QueryTimeout"
])

/**
 * A predicate true for a failure whose `_tag` is one of `tags`, or that wraps one and names its tag
 * in `errorTag` (as @cello/cqrs's `HandlerFailed` does for a handler's undeclared error), or that
 * marks itself with `transient: true`. Anything else (a typed domain failure such as "insufficient
 * funds", a defect) is not transient.
 */
export const withTags =
  (tags: Iterable<string>) =>
  (error: unknown): boolean => {
    const set = tags instanceof Set ? tags : new Set(tags)
    if (typeof error !== "object" || error === null) return false
    return (
      ("_tag" in error && typeof error._tag === "string" && set.has(error._tag)) ||
      ("errorTag" in error && typeof error.errorTag === "string" && set.has(error.errorTag)) ||
      ("transient" in error && error.transient === true)
    )
  }

/** The default `retryOn` of forward steps and compensations: `withTags(defaultTags)`. */
export const isTransient: (error: unknown) => boolean = withTags(defaultTags)
