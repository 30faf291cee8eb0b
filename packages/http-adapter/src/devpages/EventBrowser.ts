/**
 * The event browser: `/events` lists the streams with a live tail below, `/events/streams/:id` shows
 * one stream's events with their data and metadata. It reads only through the `EventStore` port, so
 * the list of streams is folded from `readAll` pages (fine for a development store, linear in its size).
 */
import { Checkpoint, type EventEnvelope, type EventStore } from "@cello/eventsourcing"
import { type DateTime, Effect } from "effect"
import * as Html from "./html.js"

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
  /** Most recently written first. */
  readonly streams: ReadonlyArray<StreamSummary>
  readonly events: number
  /** The checkpoint of the last event read: the live tail starts after it, so nothing is shown twice. */
  readonly last: Checkpoint.Checkpoint
}

const pageSize = 1000

export const summarize = (store: EventStore.EventStoreShape) =>
  Effect.gen(function* () {
    const streams = new Map<string, StreamSummary>()
    let last = Checkpoint.start
    let events = 0
    while (true) {
      const page = yield* store.readAll({ from: last, limit: pageSize })
      for (const event of page) {
        const known = streams.get(event.streamId)
        streams.set(event.streamId, {
          streamId: event.streamId,
          events: (known?.events ?? 0) + 1,
          version: Math.max(known?.version ?? 0, event.streamVersion),
          lastType: event.type,
          lastPosition: event.position,
          lastAt: event.timestamp
        })
        last = event.checkpoint
      }
      events += page.length
      if (page.length < pageSize) break
    }
    const summary: LogSummary = {
      streams: [...streams.values()].sort((a, b) => b.lastPosition - a.lastPosition),
      events,
      last
    }
    return summary
  })

const streamLink = (streamId: string) =>
  `<a class="stream-link" href="/events/streams/${Html.segment(streamId)}">${Html.text(streamId)}</a>`

// Static: the events arrive as JSON and are written with textContent, never parsed as HTML.
const tailScript = `(() => {
  const list = document.getElementById("tail");
  const status = document.getElementById("tail-status");
  const empty = document.getElementById("tail-empty");
  const setStatus = (state, label) => { status.dataset.state = state; status.textContent = label; };
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const pretty = (value) => JSON.stringify(value, null, 2);
  const source = new EventSource(list.dataset.source);
  source.addEventListener("open", () => setStatus("live", "live"));
  source.addEventListener("error", () => setStatus("reconnecting", "reconnecting…"));
  source.addEventListener("failure", () => setStatus("reconnecting", "the event store failed; reconnecting…"));
  source.addEventListener("event", (message) => {
    const e = JSON.parse(message.data);
    const item = el("li", "event tail-event");
    item.dataset.position = String(e.position);
    const title = el("h3");
    const link = el("a", "stream-link", e.streamId);
    link.href = "/events/streams/" + encodeURIComponent(e.streamId);
    title.append(el("span", "event-type", e.type), " in ", link, el("span", "muted", " v" + e.streamVersion + " · #" + e.position + " · " + e.timestamp));
    const data = el("pre", "data", pretty(e.data));
    const metadata = el("pre", "metadata", pretty(e.metadata));
    const cols = el("div", "cols");
    const left = el("div"); left.append(el("strong", "", "Data"), data);
    const right = el("div"); right.append(el("strong", "", "Metadata"), metadata);
    cols.append(left, right);
    item.append(title, cols);
    if (empty) empty.remove();
    list.append(item);
  });
})();`

export const indexPage = (summary: LogSummary) => {
  const rows = summary.streams
    .map(
      (s) =>
        `<tr><td>${streamLink(s.streamId)}</td><td class="num">${s.events}</td><td class="num">${s.version}</td>` +
        `<td><code>${Html.text(s.lastType)}</code></td><td class="num">${s.lastPosition}</td>` +
        `<td>${Html.time(s.lastAt)}</td></tr>`
    )
    .join("\n")
  const table =
    summary.streams.length === 0
      ? `<p class="note" id="no-streams">The event store holds no event yet.</p>`
      : `<table id="streams"><thead><tr><th>Stream</th><th>Events</th><th>Version</th><th>Last event</th>` +
        `<th>Position</th><th>Last appended</th></tr></thead><tbody>\n${rows}\n</tbody></table>`
  const source = `/events/tail?from=${encodeURIComponent(Checkpoint.encode(summary.last))}`
  return Html.response({
    title: "Event browser",
    section: "events",
    body:
      `<h1>Event browser</h1>` +
      `<p class="muted">${summary.events} event${summary.events === 1 ? "" : "s"} in ` +
      `${summary.streams.length} stream${summary.streams.length === 1 ? "" : "s"}.</p>` +
      `<h2>Streams</h2>${table}` +
      `<h2>Live tail <span id="tail-status" class="badge" data-state="connecting">connecting…</span></h2>` +
      `<p id="tail-empty" class="muted">Events appended from now on appear here.</p>` +
      `<ol id="tail" class="tail" data-source="${Html.text(source)}"></ol>`,
    script: tailScript
  })
}

const eventCard = (event: EventEnvelope) =>
  `<article class="event" id="v${event.streamVersion}" data-version="${event.streamVersion}">` +
  `<h3><span class="event-type">${Html.text(event.type)}</span> <span class="muted">v${event.streamVersion}</span></h3>` +
  `<dl><dt>Version</dt><dd>${event.streamVersion}</dd><dt>Position</dt><dd>${event.position}</dd>` +
  `<dt>Timestamp</dt><dd>${Html.time(event.timestamp)}</dd>` +
  `<dt>Event id</dt><dd><code>${Html.text(event.eventId)}</code></dd>` +
  `<dt>Schema version</dt><dd>${event.schemaVersion}</dd></dl>` +
  `<div class="cols"><div><strong>Data</strong><pre class="data">${Html.text(Html.prettyJson(event.data))}</pre></div>` +
  `<div><strong>Metadata</strong><pre class="metadata">${Html.text(Html.prettyJson(event.metadata))}</pre></div></div>` +
  `</article>`

export const streamPageSize = 100

export const streamPage = (
  streamId: string,
  events: ReadonlyArray<EventEnvelope>,
  version: number,
  from: number
) => {
  const base = `/events/streams/${Html.segment(streamId)}`
  const first = events[0]?.streamVersion ?? from
  const lastShown = events.at(-1)?.streamVersion ?? from
  const pager = [
    from > 1 ? `<a href="${base}?from=${Math.max(1, from - streamPageSize)}">← earlier</a>` : "",
    lastShown < version ? `<a href="${base}?from=${lastShown + 1}">later →</a>` : ""
  ]
    .filter((link) => link !== "")
    .join(" · ")
  return Html.response({
    title: `Stream ${streamId}`,
    section: "events",
    body:
      `<p><a href="/events">← all streams</a></p>` +
      `<h1>Stream <code id="stream-id">${Html.text(streamId)}</code></h1>` +
      `<p class="muted">Version ${version}; showing versions ${first}–${lastShown}. ${pager}</p>` +
      events.map(eventCard).join("\n")
  })
}

/** `?from=` as a stream version: a positive integer, else 1. */
export const parseFrom = (value: string | ReadonlyArray<string> | undefined): number => {
  const n = typeof value === "string" ? Number(value) : Number.NaN
  return Number.isSafeInteger(n) && n >= 1 ? n : 1
}
