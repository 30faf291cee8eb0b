/** What the saga list and a saga's page both show: a status badge, a saga link, its errors. */
import type { SagaRecord } from "@cello/saga"
import * as Html from "./html.js"

export const badge = (status: string) =>
  `<span class="badge s-${Html.text(status)}">${Html.text(status)}</span>`

export const sagaHref = (id: string): string => `/sagas/${Html.segment(id)}`

export const sagaLink = (id: string) =>
  `<a class="saga-link" href="${sagaHref(id)}"><code>${Html.text(id)}</code></a>`

export const errorCell = (saga: SagaRecord.SagaRecord) =>
  [
    saga.error === undefined ? "" : `<span class="error">${Html.text(saga.error)}</span>`,
    saga.compensationFailedStep === undefined
      ? ""
      : `<div class="error">compensation of <code>${Html.text(saga.compensationFailedStep)}</code> failed: ` +
        `${Html.text(saga.compensationError ?? "")}</div>`
  ].join("")
