/**
 * A saga's page, `/sagas/:id`: its progress step by step from its step log, compensations marked
 * apart from the forward run, each step linked to the events it (and its undoing) appended, and the
 * saga linked to its correlation. The events are found by their cause (`saga:<id>:<step>`) in a
 * bounded scan of the log (`scan.ts`). The list of sagas is `sagaList.ts`.
 */
import type { EventEnvelope } from "@cello/eventsourcing"
import type { SagaRecord } from "@cello/saga"
import { Option } from "effect"
import * as Causes from "./causes.js"
import * as Card from "./eventCard.js"
import * as Html from "./html.js"
import { badge, errorCell } from "./sagaParts.js"
import type * as Scan from "./scan.js"

type Record = SagaRecord.SagaRecord
type LogEntry = SagaRecord.LogEntry

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

const eventLinks = (events: ReadonlyArray<EventEnvelope>) =>
  events.length === 0
    ? ""
    : `<ul class="step-events">${events
        .map(
          (event) =>
            `<li><a class="event-link" href="${Card.eventHref(event)}">${Html.text(event.type)}</a>` +
            ` <span class="muted">in ${Html.text(event.streamId)} v${event.streamVersion}</span></li>`
        )
        .join("")}</ul>`

/** The events each step's action and compensation appended, by their cause. */
type Caused = (step: string, compensate: boolean) => ReadonlyArray<EventEnvelope>

const stepRow = (caused: Caused) => (step: StepProgress) =>
  `<tr class="step${step.compensate === undefined ? "" : " compensated-step"}" id="step-${Html.text(step.step)}" data-step="${Html.text(step.step)}">` +
  `<td class="num">${step.index + 1}</td><td><code>${Html.text(step.step)}</code></td>` +
  `<td class="act">${entryState(step.act)}${eventLinks(caused(step.step, false))}</td>` +
  `<td class="compensation">${step.compensate === undefined ? `<span class="muted">—</span>` : `<span class="phase-compensate">↩ compensation</span> ${entryState(step.compensate)}`}` +
  `${eventLinks(caused(step.step, true))}</td></tr>`

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

const scanNote = (found: Option.Option<Scan.Found>) =>
  Option.match(found, {
    onNone: () => `<p class="muted">No event store is provided, so the steps' events are not shown.</p>`,
    onSome: (result) =>
      `<p class="muted" id="step-events-note">The events each step appended, found by their cause in ` +
      `${result.scanned} event${result.scanned === 1 ? "" : "s"} read from the start of the log` +
      (Option.isSome(result.next) ? ` (the search stops there; later events are not linked).` : ".") +
      `</p>`
  })

export const detailPage = (saga: Record, log: ReadonlyArray<LogEntry>, found: Option.Option<Scan.Found>) => {
  const steps = progress(log)
  const events = Option.match(found, { onNone: () => [], onSome: (result) => result.events })
  const caused: Caused = (step, compensate) => {
    const cause = Causes.ofStep(saga.id, step, compensate)
    return events.filter((event) => event.metadata.causationId === cause)
  }
  const compensations = log.filter((e) => e.phase === "compensate" && e.status === "completed").length
  const facts = [
    ["Saga", Html.text(saga.name)],
    ["Status", badge(saga.status)],
    ["Started", Html.time(saga.createdAt)],
    ["Updated", Html.time(saga.updatedAt)],
    ["Failed step", saga.failedStep === undefined ? "—" : `<code>${Html.text(saga.failedStep)}</code>`],
    ["Error", errorCell(saga) || "—"],
    [
      "Correlation",
      saga.correlationId === undefined
        ? "—"
        : `<a class="correlation-link" href="${Card.correlationHref(saga.correlationId)}"><code>${Html.text(saga.correlationId)}</code></a>`
    ],
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
      `<h2>Steps</h2><table id="steps"><thead><tr><th>#</th><th>Step</th><th>Action and its events</th><th>Compensation and its events</th></tr></thead>` +
      `<tbody>${steps.map(stepRow(caused)).join("\n")}</tbody></table>` +
      scanNote(found) +
      `<h2>Step log</h2><table id="log"><thead><tr><th>#</th><th>At</th><th>Step</th><th>Phase</th><th>Status</th>` +
      `<th>Attempt</th><th>Error</th></tr></thead><tbody>${log.map(logRow).join("\n")}</tbody></table>` +
      `<h2>Context</h2><pre class="context">${Html.text(Html.prettyJson(saga.context))}</pre>`
  })
}
