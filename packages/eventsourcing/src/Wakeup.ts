/**
 * Wakes live subscriptions across processes: a store announces its appends with `notify`, and
 * subscribers in every process read again on each of `hints`. A hint carries nothing: readers always
 * read from their cursor, so a lost, late or repeated hint costs latency, never an event. Optional:
 * a store uses the one in context, and otherwise its own mechanism (PostgreSQL: LISTEN/NOTIFY).
 * Implementation: `RedisWakeup` of `@cello/store-redis` (Redis pub/sub).
 */
import { Context, type Effect, type Stream } from "effect"

export interface WakeupShape {
  /** Announces that something was appended; never fails or waits on the network (best effort). */
  readonly notify: Effect.Effect<void>
  /** One element per announcement from any process, plus one after each reconnection. */
  readonly hints: Stream.Stream<void>
}

export class Wakeup extends Context.Service<Wakeup, WakeupShape>()("@cello/eventsourcing/Wakeup") {}
