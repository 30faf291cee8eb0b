/**
 * The saga dashboard: `/sagas` lists executions (filter with `?status=`), `/sagas/:id` shows one
 * saga's progress step by step from its step log, compensations marked apart from the forward run.
 */
import type { SagaRecord } from "@cello/saga"
import * as Html from "./html.js"

type Record = SagaRecord.SagaRecord
type LogEntry = SagaRecord.LogEntry
type Status = SagaRecord.Status

const badge = (status: string) => `<span class="badge s-${Html.text(status)}">${Html.text(status)}</span>`

const sagaLink = (id: string) =>
  `<a class="saga-link" href="/sagas/${Html.segment(id)}"><code>${Html.text(id)}</code></a>`

const errorCell = (saga: Record) =>
  [
    saga.error === undefined ? "" : `<span class="error">${Html.text(saga.error)}</span>`,
    saga.compensationFailedStep === undefined
      ? ""
      : `<div class="error">compensation of <code>${Html.text(saga.compensationFailedStep)}</code> failed: ` +
        `${Html.text(saga.compensationError ?? "")}</div>`
  ].join("")

export const listPage = (
  sagas: ReadonlyArray<Record>,
  statuses: ReadonlyArray<Status>,
  selected: Status | undefined,
  limit: number
) => {
  const filters = [
    `<a href="/sagas"${selected === undefined ? ' aria-current="page"' : ""}>all</a>`,
    ...statuses.map(
      (status) =>
        `<a href="/sagas?status=${status}"${selected === status ? ' aria-current="page"' : ""}>${status}</a>`
    )
  ].join("")
  const rows = sagas
    .map(
      (saga) =>
        `<tr data-status="${Html.text(saga.status)}"><td>${sagaLink(saga.id)}</td><td>${Html.text(saga.name)}</td>` +
        `<td>${badge(saga.status)}</td><td>${Html.time(saga.createdAt)}</td><td>${Html.time(saga.updatedAt)}</td>` +
        `<td>${saga.failedStep === undefined ? "" : `<code>${Html.text(saga.failedStep)}</code>`}</td>` +
        `<td>${errorCell(saga)}</td></tr>`
    )
    .join("\n")
  const table =
    sagas.length === 0
      ? `<p class="note" id="no-sagas">No saga${selected === undefined ? "" : ` is ${selected}`}.</p>`
      : `<table id="sagas"><thead><tr><th>Id</th><th>Saga</th><th>Status</th><th>Started</th><th>Updated</th>` +
        `<th>Failed step</th><th>Error</th></tr></thead><tbody>\n${rows}\n</tbody></table>` +
        (sagas.length >= limit ? `<p class="muted">Showing the newest ${limit}.</p>` : "")
  return Html.response({
    title: "Sagas",
    section: "sagas",
    body: `<h1>Sagas</h1><p class="filters">Status: ${filters}</p>${table}`
  })
}

interface StepProgress {
  readonly index: number
  readonly step: string
  readonly act: LogEntry | undefined
  readonly compensate: LogEntry | undefined
}

/** The latest act and compensate entries of each step (by its index in the definition), in step order. */
const progress = (log: ReadonlyArray<LogEntry>): ReadonlyArray<StepProgress> => {
  const steps = new Map<number, StepProgress>()
  for (const entry of log) {
    const known = steps.get(entry.index)
    steps.set(entry.index, {
      index: entry.index,
      // A fallback logs its own name: show the latest name that ran.
      step: entry.step,
      act: entry.phase === "act" ? entry : known?.act,
      compensate: entry.phase === "compensate" ? entry : known?.compensate
    })
  }
  return [...steps.values()].sort((a, b) => a.index - b.index)
}

const entryState = (entry: LogEntry | undefined) =>
  entry === undefined
    ? `<span class="muted">—</span>`
    : `${badge(entry.status)} <span class="muted">attempt ${entry.attempt}</span>` +
      (entry.error === undefined ? "" : ` <span class="error">${Html.text(entry.error)}</span>`)

const stepRow = (step: StepProgress) =>
  `<tr class="step${step.compensate === undefined ? "" : " compensated-step"}" data-step="${Html.text(step.step)}">` +
  `<td class="num">${step.index + 1}</td><td><code>${Html.text(step.step)}</code></td>` +
  `<td>${entryState(step.act)}</td>` +
  `<td>${step.compensate === undefined ? `<span class="muted">—</span>` : `<span class="phase-compensate">↩ compensation</span> ${entryState(step.compensate)}`}</td></tr>`

const logRow = (entry: LogEntry) =>
  `<tr class="${entry.phase}" data-phase="${entry.phase}" data-status="${entry.status}">` +
  `<td class="num">${entry.sequence}</td><td>${Html.time(entry.at)}</td>` +
  `<td><code>${Html.text(entry.step)}</code></td>` +
  `<td>${entry.phase === "compensate" ? `<span class="phase-compensate">↩ compensate</span>` : "act"}</td>` +
  `<td>${badge(entry.status)}</td><td class="num">${entry.attempt}</td>` +
  `<td>${entry.error === undefined ? "" : `<span class="error">${Html.text(entry.error)}</span>`}</td></tr>`

/** The operator's retry of a `compensation_failed` saga (a plain form: no script needed). */
const retryForm = (id: string) =>
  `<form method="post" action="/sagas/${Html.segment(id)}/retry-compensation" id="retry-compensation" class="note">` +
  `<button type="submit">Retry compensation</button> ` +
  `<span class="muted">runs the compensations that did not complete again, newest first</span></form>`

export const detailPage = (saga: Record, log: ReadonlyArray<LogEntry>) => {
  const steps = progress(log)
  const compensations = log.filter((e) => e.phase === "compensate" && e.status === "completed").length
  const facts = [
    ["Saga", Html.text(saga.name)],
    ["Status", badge(saga.status)],
    ["Started", Html.time(saga.createdAt)],
    ["Updated", Html.time(saga.updatedAt)],
    ["Failed step", saga.failedStep === undefined ? "—" : `<code>${Html.text(saga.failedStep)}</code>`],
    ["Error", errorCell(saga) || "—"],
    [
      "Compensations",
      compensations === 0 ? "none" : `<span class="phase-compensate">${compensations} completed</span>`
    ],
    ["Recoveries", String(saga.recoveryAttempts)],
    ["Version", String(saga.version)]
  ]
    .map(([label, value]) => `<dt>${label}</dt><dd>${value}</dd>`)
    .join("")
  return Html.response({
    title: `Saga ${saga.id}`,
    section: "sagas",
    body:
      `<p><a href="/sagas">← all sagas</a></p>` +
      `<h1>Saga <code id="saga-id">${Html.text(saga.id)}</code> ${badge(saga.status)}</h1>` +
      `<div class="event"><dl>${facts}</dl></div>` +
      (saga.status === "compensation_failed" ? retryForm(saga.id) : "") +
      `<h2>Steps</h2><table id="steps"><thead><tr><th>#</th><th>Step</th><th>Action</th><th>Compensation</th></tr></thead>` +
      `<tbody>${steps.map(stepRow).join("\n")}</tbody></table>` +
      `<h2>Step log</h2><table id="log"><thead><tr><th>#</th><th>At</th><th>Step</th><th>Phase</th><th>Status</th>` +
      `<th>Attempt</th><th>Error</th></tr></thead><tbody>${log.map(logRow).join("\n")}</tbody></table>` +
      `<h2>Context</h2><pre class="context">${Html.text(Html.prettyJson(saga.context))}</pre>`
  })
}
