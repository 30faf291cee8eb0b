/**
 * `/sagas`: executions newest first, filtered by saga type (`?name=`) and status (`?status=`), kept
 * current by `/sagas/feed`, a Server-Sent Events stream of the same list. The `SagaStore` port has no
 * change feed, so the feed asks `list` again every second and sends the list when it changed.
 */
import { SagaRecord, type SagaStore } from "@cello/saga"
import { DateTime, Stream } from "effect"
import * as Html from "./html.js"
import { badge, errorCell, sagaLink } from "./sagaParts.js"
import * as Tail from "./tail.js"

type Record = SagaRecord.SagaRecord
type Status = SagaRecord.Status

/** Sagas shown at most, newest first. */
export const listLimit = 200
/** Sagas read to name the types in the filter: the store has no query for its saga names. */
export const namesLimit = 1000
export const pollEvery = "1 second"

export interface ListFilter {
  readonly status: Status | undefined
  readonly name: string | undefined
}

export const listOptions = (filter: ListFilter): SagaRecord.ListOptions => ({
  limit: listLimit,
  ...(filter.status === undefined ? {} : { status: filter.status }),
  ...(filter.name === undefined ? {} : { name: filter.name })
})

const query = (filter: ListFilter, change: Partial<ListFilter>): string => {
  const params = new URLSearchParams()
  const next = { ...filter, ...change }
  if (next.name !== undefined) params.set("name", next.name)
  if (next.status !== undefined) params.set("status", next.status)
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}

const chooser = <A extends string>(
  label: string,
  values: ReadonlyArray<A>,
  selected: A | undefined,
  href: (value: A | undefined) => string,
  id: string
) =>
  `<p class="filters" id="${id}">${label}: ` +
  [
    `<a href="/sagas${href(undefined)}"${selected === undefined ? ' aria-current="page"' : ""}>all</a>`,
    ...values.map(
      (value) =>
        `<a href="/sagas${Html.text(href(value))}"${selected === value ? ' aria-current="page"' : ""}>${Html.text(value)}</a>`
    )
  ].join("") +
  `</p>`

const row = (saga: Record) =>
  `<tr data-status="${Html.text(saga.status)}" data-id="${Html.text(saga.id)}"><td>${sagaLink(saga.id)}</td><td>${Html.text(saga.name)}</td>` +
  `<td>${badge(saga.status)}</td><td>${Html.time(saga.createdAt)}</td><td>${Html.time(saga.updatedAt)}</td>` +
  `<td>${saga.failedStep === undefined ? "" : `<code>${Html.text(saga.failedStep)}</code>`}</td>` +
  `<td>${errorCell(saga)}</td></tr>`

export const listPage = (sagas: ReadonlyArray<Record>, names: ReadonlyArray<string>, filter: ListFilter) => {
  const feed = `/sagas/feed${query(filter, {})}`
  const none = `No saga${filter.name === undefined ? "" : ` ${filter.name}`}${filter.status === undefined ? "" : ` is ${filter.status}`}.`
  const table =
    `<p class="note" id="no-sagas"${sagas.length === 0 ? "" : " hidden"}>${Html.text(none)}</p>` +
    `<table id="sagas" data-source="${Html.text(feed)}"${sagas.length === 0 ? " hidden" : ""}><thead><tr><th>Id</th><th>Saga</th><th>Status</th><th>Started</th><th>Updated</th>` +
    `<th>Failed step</th><th>Error</th></tr></thead><tbody>\n${sagas.map(row).join("\n")}\n</tbody></table>` +
    `<p class="muted">The newest ${listLimit} at most; the list follows the store ` +
    `<span id="sagas-status" class="badge" data-state="connecting">connecting…</span></p>`
  return Html.response({
    title: "Sagas",
    section: "sagas",
    body:
      `<h1>Sagas</h1>` +
      chooser("Type", names, filter.name, (name) => query(filter, { name }), "filter-name") +
      chooser(
        "Status",
        SagaRecord.statuses,
        filter.status,
        (status) => query(filter, { status }),
        "filter-status"
      ) +
      table,
    script
  })
}

/** What the page script receives for one saga. */
const view = (saga: Record) => ({
  id: saga.id,
  name: saga.name,
  status: saga.status,
  createdAt: DateTime.formatIso(saga.createdAt),
  updatedAt: DateTime.formatIso(saga.updatedAt),
  failedStep: saga.failedStep ?? null,
  error: saga.error ?? null,
  compensationFailedStep: saga.compensationFailedStep ?? null,
  compensationError: saga.compensationError ?? null
})

/** `GET /sagas/feed`: the filtered list as one `sagas` message whenever it changes. */
export const feed = (store: SagaStore.SagaStoreShape, filter: ListFilter) =>
  Tail.serverSentEvents(
    Stream.tick(pollEvery).pipe(
      Stream.mapEffect(() => store.list(listOptions(filter))),
      Stream.map((sagas) => JSON.stringify(sagas.map(view))),
      Stream.changes,
      Stream.map((list) => `event: sagas\ndata: ${list}\n\n`),
      // A failed read ends the stream; the browser reconnects and the feed starts again.
      Stream.orElseSucceed(() => 'event: failure\ndata: "the saga store failed; reconnecting"\n\n')
    )
  )

// Static: the list arrives as JSON and is written with textContent, never parsed as HTML.
const script = `(() => {
  const table = document.getElementById("sagas");
  const body = table.tBodies[0];
  const empty = document.getElementById("no-sagas");
  const status = document.getElementById("sagas-status");
  const setStatus = (state, label) => { status.dataset.state = state; status.textContent = label; };
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  };
  const cell = (...children) => { const td = el("td"); td.append(...children); return td; };
  const row = (s) => {
    const tr = el("tr");
    tr.dataset.status = s.status;
    tr.dataset.id = s.id;
    const link = el("a", "saga-link");
    link.href = "/sagas/" + encodeURIComponent(s.id);
    link.append(el("code", "", s.id));
    const errors = cell();
    if (s.error !== null) errors.append(el("span", "error", s.error));
    if (s.compensationFailedStep !== null) {
      const failed = el("div", "error", "compensation of ");
      failed.append(el("code", "", s.compensationFailedStep), " failed: " + (s.compensationError || ""));
      errors.append(failed);
    }
    tr.append(cell(link), cell(s.name), cell(el("span", "badge s-" + s.status, s.status)), cell(s.createdAt),
      cell(s.updatedAt), cell(s.failedStep === null ? "" : el("code", "", s.failedStep)), errors);
    return tr;
  };
  const source = new EventSource(table.dataset.source);
  source.addEventListener("open", () => setStatus("live", "live"));
  source.addEventListener("error", () => setStatus("reconnecting", "reconnecting…"));
  source.addEventListener("failure", () => setStatus("reconnecting", "the saga store failed; reconnecting…"));
  source.addEventListener("sagas", (message) => {
    const sagas = JSON.parse(message.data);
    body.replaceChildren(...sagas.map(row));
    table.hidden = sagas.length === 0;
    empty.hidden = sagas.length !== 0;
  });
})();`
