/**
 * Finding events by what they carry (a correlation id, a cause, a type) through the `EventStore`
 * port alone: `readAll` pages from a checkpoint, a bounded number of events per request. A search
 * that stops at the bound (or at a page of matches) says where it stopped, so the page can offer to
 * go on from there: a dev page never reads an unbounded log in one request.
 */
import { Checkpoint, type EventEnvelope, type EventStore } from "@cello/eventsourcing"
import { Effect, Option } from "effect"

/** Events read per search request at most: the bound the pages and the README name. */
export const budget = 50_000

const readPage = 1000

export interface Found {
  readonly events: ReadonlyArray<EventEnvelope>
  readonly scanned: number
  /** Where to go on from when the search stopped before the end of the log. */
  readonly next: Option.Option<Checkpoint.Checkpoint>
}

export const scan = (
  store: EventStore.EventStoreShape,
  matches: (event: EventEnvelope) => boolean,
  options: { readonly after?: Checkpoint.Checkpoint; readonly limit: number; readonly budget?: number }
) =>
  Effect.gen(function* () {
    const bound = options.budget ?? budget
    const found: Array<EventEnvelope> = []
    let from = options.after ?? Checkpoint.start
    let scanned = 0
    while (true) {
      const page = yield* store.readAll({ from, limit: Math.min(readPage, bound - scanned) })
      for (const event of page) {
        scanned += 1
        from = event.checkpoint
        if (matches(event)) found.push(event)
        if (found.length >= options.limit) break
      }
      const full = found.length >= options.limit || scanned >= bound
      if (full || page.length === 0 || page.length < readPage) {
        // At the end of the log only when the last page came back short and nothing cut it off.
        const atEnd = !full && page.length < readPage
        const result: Found = { events: found, scanned, next: atEnd ? Option.none() : Option.some(from) }
        return result
      }
    }
  })

/** `?after=` as a checkpoint, or none. */
export const parseAfter = (value: string | undefined): Option.Option<Checkpoint.Checkpoint> =>
  value === undefined ? Option.none() : Checkpoint.decode(value.trim())
