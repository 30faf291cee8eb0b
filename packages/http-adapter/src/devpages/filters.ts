/**
 * The event browser's filters: a stream category (the part of the stream id before its first `-`,
 * as `Aggregate` names streams `<name>-<id>`), an event type, and one search box matching a stream
 * id, an event id, a correlation id, a cause (a command's, an event's or a saga step's id) or a saga
 * id (any event one of its steps appended). All exact matches: ids are not words.
 */
import type { EventEnvelope } from "@cello/eventsourcing"
import * as Causes from "./causes.js"

export interface EventFilter {
  readonly category: string | undefined
  readonly type: string | undefined
  readonly q: string | undefined
}

export const none: EventFilter = { category: undefined, type: undefined, q: undefined }

/** A stream's category: `Account` for `Account-42`, the whole id when it has no `-`. */
export const category = (streamId: string): string => {
  const cut = streamId.indexOf("-")
  return cut > 0 ? streamId.slice(0, cut) : streamId
}

const given = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim()
  return trimmed === undefined || trimmed === "" ? undefined : trimmed
}

export const parse = (query: (name: string) => string | undefined): EventFilter => ({
  category: given(query("category")),
  type: given(query("type")),
  q: given(query("q"))
})

export const isEmpty = (filter: EventFilter): boolean =>
  filter.category === undefined && filter.type === undefined && filter.q === undefined

/** Category and type only: what the streams table and its live updates follow. */
export const inCategoryAndType =
  (filter: EventFilter) =>
  (event: EventEnvelope): boolean =>
    (filter.category === undefined || category(event.streamId) === filter.category) &&
    (filter.type === undefined || event.type === filter.type)

/** Whether the event carries `q` as any of the ids the search box takes. */
export const carries =
  (q: string) =>
  (event: EventEnvelope): boolean =>
    event.streamId === q ||
    event.eventId === q ||
    event.metadata.correlationId === q ||
    event.metadata.causationId === q ||
    event.metadata.commandId === q ||
    Causes.isOfSaga(event.metadata.causationId, q)

export const matches = (filter: EventFilter) => {
  const kept = inCategoryAndType(filter)
  const searched = filter.q === undefined ? () => true : carries(filter.q)
  return (event: EventEnvelope): boolean => kept(event) && searched(event)
}

/** The query string for a filter (and where to go on from), for links that keep it. */
export const query = (filter: EventFilter, extra: Record<string, string> = {}): string => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries({ ...filter, ...extra }))
    if (value !== undefined) params.set(key, value)
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}
