/**
 * `GET /` (when the app gives a discovery document): JSON clients get that document as it is; a
 * browser (`Accept` preferring `text/html`) gets a small page linking the API reference, the OpenAPI
 * document, health, metrics, and the development pages when they are on.
 */
import { HttpServerResponse } from "effect/http"
import { escapeHtml } from "./Docs.js"
import type { Info } from "./OpenApi.js"

/** True when the client asks for HTML before JSON (a browser's navigation does). */
export const wantsHtml = (accept: string | undefined): boolean => {
  if (accept === undefined) return false
  const html = accept.indexOf("text/html")
  const json = accept.indexOf("application/json")
  return html !== -1 && (json === -1 || html < json)
}

export const htmlHeaders = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

export const page = (info: Info, devPages: boolean): string => {
  const links: ReadonlyArray<readonly [string, string]> = [
    ["/docs", "API reference (try the routes)"],
    ["/openapi.json", "OpenAPI 3.1 document"],
    ["/health", "Health (readiness)"],
    ["/metrics", "Prometheus metrics"],
    ...(devPages
      ? ([
          ["/events", "Event browser (development)"],
          ["/sagas", "Saga dashboard (development)"]
        ] as const)
      : [])
  ]
  const items = links
    .map(
      ([href, label]) =>
        `<li><a href="${escapeHtml(href)}">${escapeHtml(label)}</a> <code>${escapeHtml(href)}</code></li>`
    )
    .join("\n")
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(info.title)}</title>
<style>body { font-family: system-ui, sans-serif; margin: 2rem; } li { margin: .3rem 0; }</style>
</head>
<body>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<ul>
${items}
</ul>
</body>
</html>
`
}

export const html = (body: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(body, { contentType: "text/html; charset=utf-8", headers: htmlHeaders })
