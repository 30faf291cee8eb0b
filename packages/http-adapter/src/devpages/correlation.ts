/**
 * `/correlations/:id`: everything one request (or command, or saga) caused, on one page — the sagas
 * it started and every event that carries its correlation id, in log order, each linked to its
 * cause. The ports have no query by correlation id, so the events come from a bounded scan of the
 * log (`scan.ts`, with a link to go on) and the sagas from the newest `sagaLimit` in the store.
 */
import type { SagaRecord } from "@cello/saga"
import { Option } from "effect"
import { matchList } from "./EventBrowser.js"
import * as Html from "./html.js"
import { badge, errorCell, sagaLink } from "./sagaParts.js"
import type * as Scan from "./scan.js"

/** Sagas read to find the correlation's: the `SagaStore` port has no query by correlation id. */
export const sagaLimit = 1000

/** At most this many events a page. */
export const eventLimit = 200

const sagaTable = (sagas: ReadonlyArray<SagaRecord.SagaRecord>) =>
  sagas.length === 0
    ? `<p class="muted" id="no-sagas">No saga among the newest ${sagaLimit} has this correlation id.</p>`
    : `<table id="sagas"><thead><tr><th>Id</th><th>Saga</th><th>Status</th><th>Started</th><th>Failed step</th><th>Error</th></tr></thead><tbody>` +
      sagas
        .map(
          (saga) =>
            `<tr data-id="${Html.text(saga.id)}"><td>${sagaLink(saga.id)}</td><td>${Html.text(saga.name)}</td><td>${badge(saga.status)}</td>` +
            `<td>${Html.time(saga.createdAt)}</td><td>${saga.failedStep === undefined ? "" : `<code>${Html.text(saga.failedStep)}</code>`}</td>` +
            `<td>${errorCell(saga)}</td></tr>`
        )
        .join("\n") +
      `</tbody></table>`

export const page = (
  id: string,
  sagas: Option.Option<ReadonlyArray<SagaRecord.SagaRecord>>,
  events: Option.Option<Scan.Found>
) =>
  Html.response({
    title: `Correlation ${id}`,
    section: "events",
    body:
      `<p><a href="/events">← event browser</a></p>` +
      `<h1>Correlation <code id="correlation-id">${Html.text(id)}</code></h1>` +
      `<p class="muted">Everything that carries this correlation id: the sagas it started and the events it caused.</p>` +
      `<h2>Sagas</h2>` +
      Option.match(sagas, {
        onNone: () => `<p class="muted">No saga store is provided.</p>`,
        onSome: sagaTable
      }) +
      `<h2>Events</h2>` +
      Option.match(events, {
        onNone: () => `<p class="muted">No event store is provided.</p>`,
        onSome: (found) =>
          matchList(
            found,
            (after) => `/correlations/${Html.segment(id)}?after=${encodeURIComponent(after)}`,
            {
              id: "events",
              limit: eventLimit
            }
          )
      })
  })
