/**
 * One event, compactly: a title line (type, stream, version, position, time), its links (the
 * correlation page, its cause, the saga step that appended it) and the data and metadata as JSON in
 * `<details>`, closed unless asked for, so a long stream reads as a list. No script needed.
 */
import type { EventEnvelope } from "@cello/eventsourcing"
import * as Causes from "./causes.js"
import * as Html from "./html.js"

export const streamHref = (streamId: string): string => `/events/streams/${Html.segment(streamId)}`

/** Versions a stream page shows. */
export const streamPageSize = 100

/** The event's card on its stream's page (the page of `streamPageSize` versions that holds it). */
export const eventHref = (event: EventEnvelope): string => {
  const from = Math.floor((event.streamVersion - 1) / streamPageSize) * streamPageSize + 1
  return `${streamHref(event.streamId)}${from === 1 ? "" : `?from=${from}`}#v${event.streamVersion}`
}

export const correlationHref = (id: string): string => `/correlations/${Html.segment(id)}`
export const causeHref = (id: string): string => `/causes/${Html.segment(id)}`

/** One line of JSON, cut short: what a closed `<details>` shows. */
const preview = (value: unknown): string => {
  const line =
    JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "undefined"
  return line.length > 90 ? `${line.slice(0, 89)}…` : line
}

const json = (label: string, className: string, value: unknown, open: boolean) =>
  `<details class="json"${open ? " open" : ""}><summary>${label} <code class="preview">${Html.text(preview(value))}</code></summary>` +
  `<pre class="${className}">${Html.text(Html.prettyJson(value))}</pre></details>`

/** The correlation, cause and command of an event, each a link where there is a page for it. */
export const links = (event: EventEnvelope): string => {
  const { correlationId, causationId, commandId } = event.metadata
  const parts: Array<string> = []
  if (correlationId !== undefined)
    parts.push(
      `correlation <a class="correlation-link" href="${correlationHref(correlationId)}"><code>${Html.text(correlationId)}</code></a>`
    )
  if (causationId !== undefined) {
    const saga = Causes.label(causationId)
    parts.push(
      `caused by <a class="cause-link" href="${causeHref(causationId)}">` +
        (saga === undefined ? `<code>${Html.text(causationId)}</code>` : Html.text(saga)) +
        `</a>`
    )
  }
  if (typeof commandId === "string" && commandId !== causationId)
    parts.push(`command <code>${Html.text(commandId)}</code>`)
  return parts.length === 0 ? "" : `<p class="links">${parts.join(" · ")}</p>`
}

export interface CardOptions {
  /** Shows the stream's id (on a page listing events of many streams). */
  readonly stream: boolean
  /** Opens the JSON (a single event's view). */
  readonly open?: boolean
}

export const card = (event: EventEnvelope, options: CardOptions) =>
  `<article class="event" id="${options.stream ? `e-${Html.text(event.eventId)}` : `v${event.streamVersion}`}" ` +
  `data-version="${event.streamVersion}" data-event-id="${Html.text(event.eventId)}">` +
  `<h3><span class="event-type">${Html.text(event.type)}</span>` +
  (options.stream
    ? ` in <a class="stream-link" href="${streamHref(event.streamId)}">${Html.text(event.streamId)}</a>`
    : "") +
  `</h3>` +
  `<dl class="facts"><dt>Version</dt><dd>${event.streamVersion}</dd><dt>Position</dt><dd>${event.position}</dd>` +
  `<dt>Timestamp</dt><dd>${Html.time(event.timestamp)}</dd>` +
  `<dt>Event id</dt><dd><code>${Html.text(event.eventId)}</code></dd>` +
  `<dt>Schema version</dt><dd>${event.schemaVersion}</dd></dl>` +
  links(event) +
  json("Data", "data", event.data, options.open ?? false) +
  json("Metadata", "metadata", event.metadata, options.open ?? false) +
  `</article>`
