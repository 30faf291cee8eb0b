/**
 * `/events/streams/:id`: one stream's events as compact cards, `Card.streamPageSize` versions a
 * page from `?from=`, with first, earlier, later and last links.
 */
import type { EventEnvelope } from "@cello/eventsourcing"
import * as Card from "./eventCard.js"
import * as Html from "./html.js"

export const streamPage = (
  streamId: string,
  events: ReadonlyArray<EventEnvelope>,
  version: number,
  from: number
) => {
  const base = Card.streamHref(streamId)
  const first = events[0]?.streamVersion ?? from
  const lastShown = events.at(-1)?.streamVersion ?? from
  const lastPage = Math.floor((Math.max(version, 1) - 1) / Card.streamPageSize) * Card.streamPageSize + 1
  const pager = [
    from > 1 ? `<a href="${base}">first</a>` : "",
    from > 1 ? `<a href="${base}?from=${Math.max(1, from - Card.streamPageSize)}">← earlier</a>` : "",
    lastShown < version ? `<a href="${base}?from=${lastShown + 1}">later →</a>` : "",
    lastShown < version && lastPage > lastShown ? `<a href="${base}?from=${lastPage}">last</a>` : ""
  ]
    .filter((link) => link !== "")
    .join(" · ")
  return Html.response({
    title: `Stream ${streamId}`,
    section: "events",
    body:
      `<p><a href="/events">← all streams</a></p>` +
      `<h1>Stream <code id="stream-id">${Html.text(streamId)}</code></h1>` +
      `<p class="muted" id="pager">Version ${version}; showing versions ${first}–${lastShown} (${Card.streamPageSize} a page). ${pager}</p>` +
      events.map((event) => Card.card(event, { stream: false })).join("\n")
  })
}

/** `?from=` as a stream version: a positive integer, else 1. */
export const parseFrom = (value: string | ReadonlyArray<string> | undefined): number => {
  const n = typeof value === "string" ? Number(value) : Number.NaN
  return Number.isSafeInteger(n) && n >= 1 ? n : 1
}
