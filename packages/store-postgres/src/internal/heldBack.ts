/**
 * Events committed but not yet readable. Readers see only transactions older than the oldest one still
 * running anywhere on the server (so they never skip an event committed late); a long transaction thus
 * holds every subscription back until it ends. Live subscriptions sample this when they find nothing
 * new, as the gauge below, so the wait shows on a dashboard instead of as unexplained lag.
 */
import type { StoreUnavailable } from "@cello/eventsourcing"
import { Effect, Metric } from "effect"
import { sql } from "kysely"
import type { PgDatabaseShape } from "../PgDatabase.js"
import { visibleIn } from "../readAll.js"
import { eventsourcingUnavailable } from "./eventsourcingUnavailable.js"

export const heldBackEvents = Metric.gauge("cello_event_store_held_back_events", {
  description:
    "Events committed but not yet readable: an older transaction on the server is still running (sampled by idle subscriptions)"
})

export const countHeldBack = (database: PgDatabaseShape): Effect.Effect<number, StoreUnavailable> =>
  database
    .run(
      database.db
        .selectFrom("events")
        .select(sql<number>`count(*)::int`.as("n"))
        .where(sql<boolean>`NOT ${visibleIn(database)}`)
    )
    .pipe(
      Effect.map((rows) => rows[0]?.n ?? 0),
      Effect.mapError(eventsourcingUnavailable(database, "heldBack"))
    )

/** Updates the gauge; a failed sample is left to the next one (the read itself reports outages). */
export const sampleHeldBack = (database: PgDatabaseShape): Effect.Effect<void> =>
  countHeldBack(database).pipe(
    Effect.flatMap((n) => Metric.update(heldBackEvents, n)),
    Effect.ignore
  )
