/**
 * Schemas both examples share: ids as they appear in paths and bodies, and an event as the seeds'
 * history endpoints show it (`id`, `aggregate_id`, `type`, `data`, `version`, `timestamp`).
 */
import type { EventEnvelope } from "@cello/eventsourcing"
import { DateTime, Effect, Schema } from "effect"

/** An id from a path or a body: short and plain, so odd ids are refused before any store sees them. */
export const Id = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.:-]{1,100}$/))

/**
 * A name (an owner, a product, a user id): printable text of 1 to 200 characters. It names streams and
 * lands in jsonb, which refuses control characters, and no name needs one (nor a lone surrogate).
 */
export const Text = Schema.String.check(Schema.isPattern(/^[^\p{Cc}\p{Cs}]{1,200}$/u))

/** Free text a client writes (a deposit's reason, a cancellation's): printable, at most 500 characters. */
export const FreeText = Schema.String.check(Schema.isPattern(/^[^\p{Cc}\p{Cs}]{0,500}$/u))

/** Seconds since the epoch, as the seeds' `time.time()` gave them. */
export const epochSeconds = (at: DateTime.Utc): number => DateTime.toEpochMillis(at) / 1000

export const EventView = Schema.Struct({
  id: Schema.String,
  aggregate_id: Schema.String,
  type: Schema.String,
  data: Schema.Json,
  version: Schema.Int,
  timestamp: Schema.Number
})
export type EventView = typeof EventView.Type

const decodeJson = Schema.decodeUnknownEffect(Schema.Json)

/** A stored event as the seeds show it; `aggregateId` is the id without the aggregate's stream prefix. */
export const eventView = (aggregateId: string, envelope: EventEnvelope): Effect.Effect<EventView> =>
  decodeJson(envelope.data).pipe(
    // Stores keep JSON payloads only: anything else is a store bug, not the client's problem.
    Effect.orDie,
    Effect.map((data) => ({
      id: envelope.eventId,
      aggregate_id: aggregateId,
      type: envelope.type,
      data,
      version: envelope.streamVersion,
      timestamp: epochSeconds(envelope.timestamp)
    }))
  )

/** `"Account-acc-1"` → `"acc-1"`: the aggregate id a projection's envelope belongs to. */
export const idOf = (prefix: string, envelope: EventEnvelope): string =>
  envelope.streamId.startsWith(`${prefix}-`) ? envelope.streamId.slice(prefix.length + 1) : envelope.streamId

/** A short random id with the seeds' look: `acc-1a2b3c4d`. */
export const shortId = (prefix: string): string =>
  `${prefix}-${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`

/**
 * Runs `use` with a fresh short id, and again with another while the id was taken (`taken`): 32
 * random bits meet an earlier id about once in tens of thousands (the benchmark's baseline, which
 * does not retry, answers 409 to a few valid requests per run), and a valid request must not fail so.
 */
export const withFreshId = <A, E, R>(
  prefix: string,
  use: (id: string) => Effect.Effect<A, E, R>,
  taken: (error: E) => boolean
): Effect.Effect<A, E, R> => {
  const attempt = (left: number): Effect.Effect<A, E, R> =>
    Effect.catch(use(shortId(prefix)), (error) =>
      left > 1 && taken(error) ? attempt(left - 1) : Effect.fail(error)
    )
  return attempt(5)
}
