/**
 * Runs async projections from the global log: catch up from the stored checkpoint, then follow live
 * appends, storing the checkpoint as it goes. A lease in the `CheckpointStore` lets only one process
 * run a projection at a time; another takes over when the holder's lease expires. Delivery is at
 * least once: a crash between applying an event and storing its checkpoint applies it again, so
 * handlers must be idempotent unless the store commits both together. `run` outlives store outages:
 * it backs off and resumes from the stored checkpoint.
 */
import { Clock, Data, Duration, Effect, Option, Schedule, Stream, Tracer } from "effect"
import * as Checkpoint from "./Checkpoint.js"
import { CheckpointStore } from "./CheckpointStore.js"
import { type ProjectionError, ReplayDisabled, type StoreUnavailable } from "./Errors.js"
import type { EventEnvelope } from "./EventEnvelope.js"
import { EventSourcingConfig } from "./EventSourcingConfig.js"
import { EventStore } from "./EventStore.js"
import { uuidv7 } from "./internal/uuid.js"
import type { Projection } from "./Projection.js"
import * as TraceContext from "./TraceContext.js"

export interface Progress {
  readonly projection: string
  readonly checkpoint: Checkpoint.Checkpoint
  /** Events read from the log by this run (including those of types the projection ignores). */
  readonly processed: number
  /** Events in the log after the checkpoint, by global position. */
  readonly behind: number
}

export interface Options {
  /** Events read per page while catching up (default 500). */
  readonly batchSize?: number
  /** Called after each stored checkpoint. */
  readonly onProgress?: (progress: Progress) => Effect.Effect<void>
}

export interface RunOptions extends Options {
  /** How long a lease lives without renewal (default 30 seconds); renewed every third of it. */
  readonly leaseDuration?: Duration.Input
  /** This runner's name in the lease (default: a fresh UUID). */
  readonly owner?: string
  /**
   * The wait after a store outage (`StoreUnavailable`) before trying again (default 100 ms). It
   * doubles with each outage in a row, up to `maxRetryDelay`.
   */
  readonly retryDelay?: Duration.Input
  /**
   * The longest wait between tries during an outage (default 5 seconds). After running this long
   * without an outage, the wait starts again from `retryDelay`.
   */
  readonly maxRetryDelay?: Duration.Input
}

type Needs<R> = R | EventStore | CheckpointStore

const behind = (head: Checkpoint.Checkpoint, at: Checkpoint.Checkpoint): number =>
  head.position > at.position ? Number(head.position - at.position) : 0

/** Where a projection stands: its checkpoint and how far the log has moved past it. */
export const status = (
  name: string
): Effect.Effect<Progress, StoreUnavailable, EventStore | CheckpointStore> =>
  Effect.gen(function* () {
    const checkpoint = Option.getOrElse(yield* (yield* CheckpointStore).load(name), () => Checkpoint.start)
    const head = yield* (yield* EventStore).head
    return { projection: name, checkpoint, processed: 0, behind: behind(head, checkpoint) }
  })

/** Applies events and stores the last one's checkpoint, atomically where the store can. */
const commit = <R>(projection: Projection<R>, events: ReadonlyArray<EventEnvelope>) =>
  Effect.gen(function* () {
    const checkpoints = yield* CheckpointStore
    const last = events.at(-1)
    if (last === undefined) return
    yield* checkpoints.atomically(
      Effect.gen(function* () {
        const failed = yield* projection.applyEach(events)
        if (Option.isSome(failed)) return yield* Effect.fail(failed.value[1])
        yield* checkpoints.save(projection.name, last.checkpoint)
      })
    )
  })

/**
 * Applies a page of events in order and stores its last checkpoint. If an event fails, the page is
 * undone (where the store is atomic), the events before it are applied and checkpointed, and the
 * error is returned: the failing event is never skipped.
 */
const applyPageUntraced = <R>(
  projection: Projection<R>,
  page: ReadonlyArray<EventEnvelope>
): Effect.Effect<Option.Option<Checkpoint.Checkpoint>, ProjectionError | StoreUnavailable, Needs<R>> =>
  Effect.gen(function* () {
    const checkpoints = yield* CheckpointStore
    const last = page.at(-1)
    if (last === undefined) return Option.none()
    // A store that cannot undo, or a projection writing nothing into its database (the transaction
    // would only cost two round trips a page): keep what was applied and checkpoint up to it.
    if (!checkpoints.atomic || projection.transactional === false) {
      const failed = yield* projection.applyEach(page)
      if (Option.isNone(failed)) {
        yield* checkpoints.save(projection.name, last.checkpoint)
        return Option.some(last.checkpoint)
      }
      const [at, error] = failed.value
      const done = page[at - 1]
      if (done !== undefined) yield* checkpoints.save(projection.name, done.checkpoint)
      return yield* Effect.fail(error)
    }
    const result = yield* Effect.result(commit(projection, page))
    if (result._tag === "Success") return Option.some(last.checkpoint)
    if (result.failure._tag !== "ProjectionError") return yield* Effect.fail(result.failure)
    // Commit the events before the failing one again (the page's transaction was rolled back).
    const error = result.failure
    const failedAt = page.findIndex((e) => e.streamId === error.streamId && e.streamVersion === error.version)
    if (failedAt > 0) yield* commit(projection, page.slice(0, failedAt))
    return yield* Effect.fail(result.failure)
  })

/** The most links a page's span carries (OpenTelemetry's default span link limit). */
const maxLinks = 128

/** One link per trace the page's events were appended in (their `traceparent`), in log order. */
const linksOf = (page: ReadonlyArray<EventEnvelope>): Array<Tracer.SpanLink> => {
  const links: Array<Tracer.SpanLink> = []
  const seen = new Set<string>()
  for (const envelope of page) {
    const traceparent = envelope.metadata.traceparent
    if (traceparent === undefined || seen.has(traceparent)) continue
    seen.add(traceparent)
    const link = TraceContext.link(traceparent, { "cello.event_id": envelope.eventId })
    if (link !== undefined) links.push(link)
    if (links.length === maxLinks) break
  }
  return links
}

/**
 * `applyPageUntraced` in a `ProjectionRunner.apply` span linked to the traces of the page's events,
 * when a tracer records spans (none otherwise: the untraced path opens no span per page). `root`: the
 * span starts a trace of its own (under `run`, whose span never ends).
 */
const applyPage = <R>(projection: Projection<R>, page: ReadonlyArray<EventEnvelope>, root: boolean) =>
  Effect.withFiber((fiber) => {
    const tracer = fiber.cache.tracer
    const applied = applyPageUntraced(projection, page)
    if (tracer === undefined || tracer === Tracer.nativeTracer || page.length === 0) return applied
    return applied.pipe(
      Effect.withSpan(
        "ProjectionRunner.apply",
        {
          attributes: { "cello.projection": projection.name, "cello.events": page.length },
          links: linksOf(page),
          root
        },
        { captureStackTrace: false }
      )
    )
  })

/** Applies everything after the stored checkpoint, up to the head, and returns where it stopped. */
export const catchUp = <R>(
  projection: Projection<R>,
  options: Options = {}
): Effect.Effect<Progress, ProjectionError | StoreUnavailable, Needs<R>> =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const checkpoints = yield* CheckpointStore
    const batchSize = options.batchSize ?? 500
    let checkpoint = Option.getOrElse(yield* checkpoints.load(projection.name), () => Checkpoint.start)
    let processed = 0
    let page = yield* store.readAll({ from: checkpoint, limit: batchSize })
    while (true) {
      // A full page has a next one, which starts after this page's last event: it is read while this
      // page is applied (its failure waits until the page is done; a failed page cancels the read).
      const end = page.length < batchSize ? undefined : page.at(-1)
      const [last, next] = yield* Effect.all(
        [
          applyPage(projection, page, false),
          end === undefined
            ? Effect.undefined
            : Effect.result(store.readAll({ from: end.checkpoint, limit: batchSize }))
        ],
        { concurrency: 2 }
      )
      if (Option.isSome(last)) checkpoint = last.value
      processed += page.length
      if (options.onProgress !== undefined) {
        const head = yield* store.head
        yield* options.onProgress({
          projection: projection.name,
          checkpoint,
          processed,
          behind: behind(head, checkpoint)
        })
      }
      if (next === undefined) break
      if (next._tag === "Failure") return yield* Effect.fail(next.failure)
      page = next.success
    }
    const head = yield* store.head
    return { projection: projection.name, checkpoint, processed, behind: behind(head, checkpoint) }
  }).pipe(
    Effect.withSpan("ProjectionRunner.catchUp", { attributes: { "cello.projection": projection.name } })
  )

/**
 * Empties the read model and the checkpoint, then replays the whole log into the projection,
 * reporting progress. Fails with `ReplayDisabled` when `enableReplay` is off. Stop the projection's
 * runner first: a rebuild does not take its lease.
 */
export const rebuild = <R>(
  projection: Projection<R>,
  options: Options = {}
): Effect.Effect<Progress, ProjectionError | StoreUnavailable | ReplayDisabled, Needs<R>> =>
  Effect.gen(function* () {
    const config = yield* EventSourcingConfig
    if (!config.enableReplay) return yield* new ReplayDisabled({ projection: projection.name })
    yield* (yield* CheckpointStore).reset(projection.name)
    yield* projection.reset
    return yield* catchUp(projection, options)
  }).pipe(
    Effect.withSpan("ProjectionRunner.rebuild", { attributes: { "cello.projection": projection.name } })
  )

class LeaseLost extends Data.TaggedError("LeaseLost")<{}> {}

/**
 * The wait before the next try after store outages: doubling from `base` with each outage in a row,
 * capped at `max`, and back to `base` once a try has run `max` without one.
 */
const makeBackoff = (base: Duration.Duration, max: Duration.Duration) => {
  let inARow = 0
  let triedAt = 0
  return {
    /** Marks the start of a try. */
    started: Effect.map(Clock.currentTimeMillis, (now) => {
      triedAt = now
    }),
    /** The wait after a failed try. */
    next: Effect.map(Clock.currentTimeMillis, (now) => {
      inARow = now - triedAt >= Duration.toMillis(max) ? 1 : inARow + 1
      // The exponent is capped so the multiplier stays finite however long the outage lasts.
      return Duration.min(Duration.times(base, 2 ** Math.min(inARow - 1, 30)), max)
    })
  }
}

/**
 * Runs a projection for as long as the effect runs: waits for the lease, catches up, follows live
 * appends. If the lease is lost (this process stalled past its expiry), it stops and waits again. If
 * a store is unavailable (`StoreUnavailable` from the event or checkpoint store), it logs a warning,
 * gives up its lease, waits (`retryDelay`, doubling up to `maxRetryDelay`) and starts again from
 * the stored checkpoint. Fails only on a projection error, which leaves the checkpoint before the
 * failing event.
 */
export const run = <R>(
  projection: Projection<R>,
  options: RunOptions = {}
): Effect.Effect<never, ProjectionError, Needs<R>> =>
  Effect.gen(function* () {
    const store = yield* EventStore
    const checkpoints = yield* CheckpointStore
    const owner = options.owner ?? uuidv7()
    const leaseDuration = Duration.fromInputUnsafe(options.leaseDuration ?? "30 seconds")
    const renewEvery = Duration.divideUnsafe(leaseDuration, 3)
    const acquire = checkpoints.acquireLease(projection.name, owner, leaseDuration)
    const backoff = makeBackoff(
      Duration.fromInputUnsafe(options.retryDelay ?? "100 millis"),
      Duration.fromInputUnsafe(options.maxRetryDelay ?? "5 seconds")
    )

    const holdLease = Effect.gen(function* () {
      yield* Effect.sleep(renewEvery)
      if (!(yield* acquire)) return yield* new LeaseLost()
    }).pipe(Effect.forever)

    const follow = Effect.gen(function* () {
      const from = Option.getOrElse(yield* checkpoints.load(projection.name), () => Checkpoint.start)
      let processed = 0
      yield* store.subscribeAll({ from }).pipe(
        Stream.runForEachArray((page) =>
          Effect.gen(function* () {
            const last = yield* applyPage(projection, page, true)
            processed += page.length
            if (Option.isSome(last) && options.onProgress !== undefined) {
              const head = yield* store.head
              yield* options.onProgress({
                projection: projection.name,
                checkpoint: last.value,
                processed,
                behind: behind(head, last.value)
              })
            }
          })
        )
      )
      return yield* Effect.never
    })

    const whileLeased = Effect.gen(function* () {
      yield* backoff.started
      yield* acquire.pipe(Effect.repeat({ until: (held) => held, schedule: Schedule.spaced(renewEvery) }))
      yield* Effect.raceFirst(follow, holdLease)
    }).pipe(
      // Also after a failed acquire: the store may have granted the lease before the reply was lost.
      Effect.ensuring(Effect.ignore(checkpoints.releaseLease(projection.name, owner)))
    )

    return yield* whileLeased.pipe(
      Effect.catchTag("LeaseLost", () =>
        Effect.logWarning("projection lease lost; waiting to take it again", { projection: projection.name })
      ),
      Effect.catchTag("StoreUnavailable", (error) =>
        Effect.gen(function* () {
          const wait = yield* backoff.next
          yield* Effect.logWarning("projection store unavailable; retrying from the checkpoint", {
            projection: projection.name,
            error: error.message,
            retryIn: Duration.format(wait)
          })
          yield* Effect.sleep(wait)
        })
      ),
      Effect.forever
    )
  }).pipe(Effect.withSpan("ProjectionRunner.run", { attributes: { "cello.projection": projection.name } }))
