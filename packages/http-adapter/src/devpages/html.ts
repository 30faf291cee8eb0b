/**
 * What every development page shares: escaping, pretty JSON, one layout with inline CSS, and the
 * response headers. Pages are plain strings rendered on the server, so they need no build step and
 * load nothing from another origin.
 */
import { createHash } from "node:crypto"
import { DateTime } from "effect"
import { HttpServerResponse } from "effect/http"
import { escapeHtml } from "../Docs.js"

export { escapeHtml }

/** Escaped text; every value from a store or a request goes through this before it is written. */
export const text = (value: string | number): string => escapeHtml(String(value))

/** JSON for people: indented, bigints as strings, `undefined` shown rather than dropped. */
export const prettyJson = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) ?? "undefined"

export const time = (value: DateTime.DateTime | undefined): string =>
  value === undefined ? "" : DateTime.formatIso(value)

/** A path segment for an id: ids may hold `/`, `?` or `#`. */
export const segment = (id: string): string => encodeURIComponent(id)

const css = `
:root { color-scheme: light; --muted: #5b6472; --line: #d8dde5; --ok: #166534; --bad: #991b1b; --warn: #92400e; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #111827; background: #f7f8fa; }
header { background: #1f2937; color: #fff; padding: .7rem 1.5rem; display: flex; gap: 1.5rem; align-items: baseline; }
header a { color: #e5e7eb; text-decoration: none; }
header a:hover, header a[aria-current] { color: #fff; text-decoration: underline; }
header strong { font-size: 1.05rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 80rem; }
h1 { font-size: 1.35rem; margin: .6rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { border-bottom: 1px solid var(--line); padding: .4rem .7rem; text-align: left; vertical-align: top; }
th { background: #eef1f5; font-weight: 600; font-size: .85rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { margin: .3rem 0 0; padding: .5rem .7rem; background: #f3f4f6; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.note { padding: .8rem 1rem; background: #fff7ed; border: 1px solid #fed7aa; border-radius: 6px; }
.event { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .9rem; margin: 0 0 .7rem; }
.event h3 { margin: 0; font-size: 1rem; }
.event dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .4rem 0; font-size: .9rem; }
.event dt { color: var(--muted); }
.event dd { margin: 0; overflow-wrap: anywhere; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; background: #e5e7eb; }
.s-completed, .s-up { background: #dcfce7; color: var(--ok); }
.s-compensated, .s-compensating { background: #fef3c7; color: var(--warn); }
.s-failed, .s-compensation_failed, .s-dead_letter { background: #fee2e2; color: var(--bad); }
.s-running, .s-started { background: #dbeafe; color: #1e40af; }
tr.compensate td { background: #fffbeb; }
.phase-compensate { color: var(--warn); font-weight: 600; }
.error { color: var(--bad); overflow-wrap: anywhere; }
.filters a { margin-right: .6rem; }
.filters a[aria-current] { font-weight: 700; }
#tail-status, #sagas-status { font-size: .85rem; }
#tail-status[data-state="live"], #sagas-status[data-state="live"] { background: #dcfce7; color: var(--ok); }
#tail-status[data-state="reconnecting"], #sagas-status[data-state="reconnecting"] { background: #fee2e2; color: var(--bad); }
.event dl.facts { display: flex; flex-wrap: wrap; gap: 0 .4rem; margin: .2rem 0; font-size: .85rem; }
.event dl.facts dd { margin-right: .8rem; }
.links { margin: .2rem 0; font-size: .9rem; }
details.json { margin: .2rem 0; }
details.json summary { cursor: pointer; font-size: .9rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
details.json[open] .preview { display: none; }
.preview { color: var(--muted); }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: baseline; margin: 0 0 .8rem; }
ul.step-events { margin: .3rem 0 0; padding-left: 1.1rem; font-size: .9rem; }
tr:target td { background: #eff6ff; }
article.event:target { outline: 2px solid #1e40af; }
`

export interface Page {
  readonly title: string
  /** Which header link is the current section. */
  readonly section: "events" | "sagas"
  readonly body: string
  /** A static inline script (no user data in it: data reaches it through `data-` attributes). */
  readonly script?: string
}

/** The CSP source for a static script: only that exact script may run, so stray markup never executes. */
const scriptHash = (script: string): string =>
  `'sha256-${createHash("sha256").update(script, "utf8").digest("base64")}'`

const nav = (section: Page["section"]) =>
  `<header><strong>Cello dev</strong>` +
  `<a href="/events"${section === "events" ? ' aria-current="page"' : ""}>Events</a>` +
  `<a href="/sagas"${section === "sagas" ? ' aria-current="page"' : ""}>Sagas</a>` +
  `<span class="muted">development mode</span></header>`

export const render = (page: Page): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${text(page.title)} — Cello dev</title>
<style>${css}</style>
</head>
<body>
${nav(page.section)}
<main>
${page.body}
</main>
${page.script === undefined ? "" : `<script>${page.script}</script>`}
</body>
</html>
`

/**
 * An HTML response with headers fit for pages that show stored data: never cached, never sniffed,
 * never framed, and a CSP that lets only the page's own script run and connect to this origin.
 */
export const response = (page: Page, status = 200): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(render(page), {
    status,
    contentType: "text/html; charset=utf-8",
    headers: {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "content-security-policy": [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        `script-src ${page.script === undefined ? "'none'" : scriptHash(page.script)}`,
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'"
      ].join("; ")
    }
  })

/** A page that only says something: a missing store, an unknown id. */
export const message = (section: Page["section"], title: string, html: string, status = 200) =>
  response({ title, section, body: `<h1>${text(title)}</h1><p class="note">${html}</p>` }, status)
