/**
 * The `/docs` page: plain HTML rendered on the server, so the list of routes shows with no script
 * and no CDN; it links the OpenAPI document for tools.
 */
import type { Info } from "./OpenApi.js"
import type { Route } from "./Route.js"

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

export const page = (routes: ReadonlyArray<Route<unknown>>, info: Info, openApiPath: string): string => {
  const rows = routes
    .map(
      (route) =>
        `<tr><td><code>${route.method}</code></td><td><code>${escapeHtml(route.path)}</code></td>` +
        `<td>${route.kind}</td><td><code>${escapeHtml(route.definition.name)}</code></td>` +
        `<td>${route.status}</td><td>${escapeHtml(route.summary ?? "")}</td></tr>`
    )
    .join("\n")
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(info.title)} — API</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; }
table { border-collapse: collapse; }
td, th { border-bottom: 1px solid #ddd; padding: .4rem .8rem; text-align: left; }
</style>
</head>
<body>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>OpenAPI 3.1 document: <a href="${escapeHtml(openApiPath)}">${escapeHtml(openApiPath)}</a>.
Errors are <code>application/problem+json</code>.</p>
<table>
<thead><tr><th>Method</th><th>Path</th><th>Kind</th><th>Operation</th><th>Success</th><th>Summary</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`
}
