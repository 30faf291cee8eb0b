/**
 * The event browser: `/events` lists the streams (filtered by category, type and a search for an
 * id), the events a filter matches, and a live tail that keeps the lists current (one stream's
 * pages are `streamPage.ts`). It reads only through the
 * `EventStore` port, so the list of streams is folded from `readAll` pages (fine for a development
 * store, linear in its size) and the matching events come from a bounded scan (`scan.ts`).
 */
import { Checkpoint, type EventStore } from "@cello/eventsourcing"
import { type DateTime, Effect, Option } from "effect"
import * as Card from "./eventCard.js"
import * as Filters from "./filters.js"
import * as Html from "./html.js"
import * as LiveEvents from "./liveEvents.js"
import * as Scan from "./scan.js"

export interface StreamSummary {
  readonly streamId: string
  readonly events: number
  /** The highest stream version seen. */
  readonly version: number
  readonly lastType: string
  readonly lastPosition: number
  readonly lastAt: DateTime.Utc
}

export interface LogSummary {
  /** Streams with an event the filter keeps, most recently written first. */
  readonly streams: ReadonlyArray<StreamSummary>
  /** Events the filter keeps. */
  readonly events: number
  /** Every category and event type in the log, for the filters. */
  readonly categories: ReadonlyArray<string>
  readonly types: ReadonlyArray<string>
  /** The checkpoint of the last event read: the live tail starts after it, so nothing is shown twice. */
  readonly last: Checkpoint.Checkpoint
}

const pageSize = 1000

export const summarize = (store: EventStore.EventStoreShape, filter: Filters.EventFilter = Filters.none) =>
  Effect.gen(function* () {
    const kept = Filters.matches(filter)
    const streams = new Map<string, StreamSummary>()
    const categories = new Set<string>()
    const types = new Set<string>()
    let last = Checkpoint.start
    let events = 0
    while (true) {
      const page = yield* store.readAll({ from: last, limit: pageSize })
      for (const event of page) {
        last = event.checkpoint
        categories.add(Filters.category(event.streamId))
        types.add(event.type)
        if (!kept(event)) continue
        events += 1
        const known = streams.get(event.streamId)
        streams.set(event.streamId, {
          streamId: event.streamId,
          events: (known?.events ?? 0) + 1,
          version: Math.max(known?.version ?? 0, event.streamVersion),
          lastType: event.type,
          lastPosition: event.position,
          lastAt: event.timestamp
        })
      }
      if (page.length < pageSize) break
    }
    const summary: LogSummary = {
      streams: [...streams.values()].sort((a, b) => b.lastPosition - a.lastPosition),
      events,
      categories: [...categories].sort(),
      types: [...types].sort(),
      last
    }
    return summary
  })

const streamLink = (streamId: string) =>
  `<a class="stream-link" href="${Card.streamHref(streamId)}">${Html.text(streamId)}</a>`

const options = (values: ReadonlyArray<string>, selected: string | undefined) =>
  [
    `<option value="">all</option>`,
    ...values.map((v) => `<option${v === selected ? " selected" : ""}>${Html.text(v)}</option>`)
  ].join("")

const form = (summary: LogSummary, filter: Filters.EventFilter) =>
  `<form method="get" action="/events" class="filters" id="filters">` +
  `<label>Category <select name="category" id="filter-category">${options(summary.categories, filter.category)}</select></label> ` +
  `<label>Type <select name="type" id="filter-type">${options(summary.types, filter.type)}</select></label> ` +
  `<label>Search <input type="search" name="q" id="filter-q" size="40" value="${Html.text(filter.q ?? "")}" ` +
  `placeholder="a stream, event, saga or correlation id"></label> ` +
  `<button type="submit">Filter</button> <a href="/events">clear</a></form>`

/** What the searched id names besides events: a stream, a saga, a correlation. */
export interface Named {
  readonly stream: boolean
  readonly saga: boolean
  readonly correlation: boolean
}

const named = (q: string, found: Named) => {
  const parts = [
    found.stream ? `the stream ${streamLink(q)}` : "",
    found.saga
      ? `the saga <a class="saga-link" href="/sagas/${Html.segment(q)}"><code>${Html.text(q)}</code></a>`
      : "",
    found.correlation
      ? `everything correlated: <a class="correlation-link" href="${Card.correlationHref(q)}"><code>${Html.text(q)}</code></a>`
      : ""
  ].filter((part) => part !== "")
  return (
    `<p id="search-names">` +
    (parts.length === 0
      ? `<code>${Html.text(q)}</code> names no stream, saga or correlation.`
      : `<code>${Html.text(q)}</code> is ${parts.join("; ")}.`) +
    `</p>`
  )
}

/** Matching events shown a page. */
export const matchLimit = 100

/** A bounded scan's events as cards, with a link on from where it stopped. */
export const matchList = (
  found: Scan.Found,
  more: (after: string) => string,
  options: { readonly id: string; readonly limit: number }
) =>
  (found.events.length === 0 ? `<p class="muted" id="${options.id}-none">No event matches.</p>` : "") +
  `<div id="${options.id}">${found.events.map((event) => Card.card(event, { stream: true })).join("\n")}</div>` +
  `<p class="muted">${found.scanned} event${found.scanned === 1 ? "" : "s"} read` +
  Option.match(found.next, {
    onNone: () => " (to the end of the log).",
    onSome: (next) =>
      `; the search stopped there (at most ${options.limit} matches and ${Scan.budget} events read per page): ` +
      `<a class="more" href="${Html.text(more(Checkpoint.encode(next)))}">go on →</a>`
  }) +
  `</p>`

export const indexPage = (
  summary: LogSummary,
  filter: Filters.EventFilter = Filters.none,
  matched: Option.Option<Scan.Found> = Option.none(),
  found: Named = { stream: false, saga: false, correlation: false }
) => {
  const rows = summary.streams
    .map(
      (s) =>
        `<tr data-stream="${Html.text(s.streamId)}"><td>${streamLink(s.streamId)}</td><td class="num">${s.events}</td><td class="num">${s.version}</td>` +
        `<td><code>${Html.text(s.lastType)}</code></td><td class="num">${s.lastPosition}</td>` +
        `<td>${Html.time(s.lastAt)}</td></tr>`
    )
    .join("\n")
  const table =
    (summary.streams.length === 0
      ? `<p class="note" id="no-streams">${Filters.isEmpty(filter) ? "The event store holds no event yet." : "No stream has an event that matches."}</p>`
      : "") +
    `<table id="streams"${summary.streams.length === 0 ? " hidden" : ""}><thead><tr><th>Stream</th><th>Events</th><th>Version</th><th>Last event</th>` +
    `<th>Position</th><th>Last appended</th></tr></thead><tbody>\n${rows}\n</tbody></table>`
  const source = `/events/tail?from=${encodeURIComponent(Checkpoint.encode(summary.last))}`
  const noun = Filters.isEmpty(filter) ? "event" : "matching event"
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`
  const filterData = (["category", "type", "q"] as const)
    .map((key) => (filter[key] === undefined ? "" : ` data-${key}="${Html.text(filter[key])}"`))
    .join("")
  return Html.response({
    title: "Event browser",
    section: "events",
    body:
      `<h1>Event browser</h1>` +
      form(summary, filter) +
      (filter.q === undefined ? "" : named(filter.q, found)) +
      `<p class="muted" id="counts" data-events="${summary.events}" data-noun="${noun}">` +
      `${plural(summary.events, noun)} in ${plural(summary.streams.length, "stream")}.</p>` +
      `<h2>Streams</h2>${table}` +
      Option.match(matched, {
        onNone: () => "",
        onSome: (result) =>
          `<h2>Matching events</h2>` +
          matchList(result, (after) => `/events${Filters.query(filter, { after })}`, {
            id: "matches",
            limit: matchLimit
          })
      }) +
      `<h2>Live tail <span id="tail-status" class="badge" data-state="connecting">connecting…</span></h2>` +
      `<p id="tail-empty" class="muted">Events appended from now on${Filters.isEmpty(filter) ? "" : " that match"} appear here, and the lists above follow them.</p>` +
      `<ol id="tail" class="tail" data-source="${Html.text(source)}"${filterData}></ol>`,
    script: LiveEvents.script
  })
}
