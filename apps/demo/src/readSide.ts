/**
 * How the demo keeps its read models up to date.
 *
 * One process (no `CELLO_REDIS_URL`): inline projections, inside the append, so a read after a write
 * sees it (on PostgreSQL in the same transaction).
 *
 * Several instances (`CELLO_REDIS_URL`): async projections. Each runs in one instance at a time (a
 * lease in Redis for `CELLO_PROJECTION_LEASE`, default 6 seconds: another instance takes over that
 * long after the holder died) and commits each page with its checkpoint in Redis, so every event
 * changes a read model exactly once. Commands append whether Redis is up or not; the projections
 * catch up when it is back. A request that appended answers once the projections passed its events
 * (read your writes), waiting at most `CELLO_READ_YOUR_WRITES_TIMEOUT` (default 2 seconds), and not
 * at all while Redis is down.
 */
import type { ReadModelStore } from "@cello/cqrs"
import {
  CheckpointStore,
  Consistency,
  type EventStore,
  Projection,
  ProjectionRunner
} from "@cello/eventsourcing"
import { Config, Duration, Effect, Layer, Option, Schedule } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { Accounts, accountsProjection, Transactions, transactionsProjection } from "./bank/readModels.js"
import { instance } from "./instance.js"
import { Orders, ordersProjection, Stock, stockProjection } from "./shop/readModels.js"
import { redisReadSide } from "./store.js"

const projections = [accountsProjection, transactionsProjection, ordersProjection, stockProjection]

const settings = Config.all({
  async: redisReadSide,
  instance,
  lease: Config.Duration("CELLO_PROJECTION_LEASE").pipe(Config.withDefault(Duration.seconds(6))),
  readYourWrites: Config.Duration("CELLO_READ_YOUR_WRITES_TIMEOUT").pipe(
    Config.withDefault(Duration.seconds(2))
  )
})

/**
 * One runner per projection, for as long as the app runs. A projection error (a handler that fails
 * on an event) is logged and retried: the event is never skipped, and an operator sees why it stops.
 */
const runners = (owner: string, leaseDuration: Duration.Duration) =>
  Layer.effectDiscard(
    Effect.forEach(
      projections,
      (projection) =>
        Effect.forkScoped(
          ProjectionRunner.run(projection, { owner, leaseDuration }).pipe(
            Effect.tapError((error) =>
              Effect.logError(`projection ${projection.name} stopped`, error.message)
            ),
            Effect.retry(Schedule.spaced("10 seconds"))
          )
        ),
      { discard: true }
    )
  )

const names = projections.map((p) => p.name)

/** Around every request but reads: wait until the projections passed what the request appended. */
const readYourWrites = (timeout: Duration.Duration) =>
  HttpRouter.middleware(
    Effect.gen(function* () {
      const checkpoints = yield* CheckpointStore.CheckpointStore
      return (httpEffect) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          if (request.method === "GET" || request.method === "HEAD") return yield* httpEffect
          const [response, appended] = yield* Consistency.track(httpEffect)
          if (Option.isNone(appended)) return response
          const reached = yield* Consistency.waitFor(names, appended.value, { timeout }).pipe(
            Effect.provideService(CheckpointStore.CheckpointStore, checkpoints)
          )
          // Said, so a client knows a read right now may not show this write yet.
          return reached ? response : HttpServerResponse.setHeader(response, "x-cello-read-models", "behind")
        })
    }),
    { global: true }
  )

/** Keeps the read models up to date: inline projections, or (with Redis) this instance's runners. */
export const projectionsLayer: Layer.Layer<
  never,
  Config.ConfigError,
  EventStore.EventStore | CheckpointStore.CheckpointStore | ReadModelStore.ReadModelStore
> = Layer.unwrap(
  Effect.map(settings, ({ async, instance: owner, lease }) =>
    async ? runners(owner, lease) : Projection.layerInline(projections)
  )
)

/** With async projections, requests that append wait for them (read your writes); else nothing. */
export const middleware: Layer.Layer<
  never,
  Config.ConfigError,
  HttpRouter.HttpRouter | CheckpointStore.CheckpointStore
> = Layer.unwrap(
  Effect.map(settings, ({ async, readYourWrites: timeout }) =>
    async ? readYourWrites(timeout) : Layer.empty
  )
)

/**
 * Runs start-up work (the seed's stock) so that what it appended is in the read models before the
 * app answers: with async projections, waits for them, at most 10 seconds (a warning then, and the
 * app starts anyway: the projections catch up).
 */
export const settled = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | Config.ConfigError, R | CheckpointStore.CheckpointStore> =>
  Effect.gen(function* () {
    const { async } = yield* settings
    if (!async) return yield* effect
    const [result, appended] = yield* Consistency.track(effect)
    if (Option.isSome(appended)) {
      const reached = yield* Consistency.waitFor(names, appended.value, { timeout: Duration.seconds(10) })
      if (!reached)
        yield* Effect.logWarning("start-up: the read models are behind the seed; they will catch up")
    }
    return result
  })

/**
 * Declares the read models' indexes in their store (filters, pages and counts on those fields read
 * only what matches). A store that is down at start-up only delays them to the next start.
 */
export const indexes = Effect.forEach(
  [Accounts, Transactions, Orders, Stock],
  (model) => model.ensureIndexes,
  {
    discard: true
  }
).pipe(
  Effect.catchTag("StoreUnavailable", (error) =>
    Effect.logWarning("start-up: read-model indexes not declared, the store is unavailable", error.message)
  )
)
