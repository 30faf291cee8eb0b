/**
 * `/docs`: Swagger UI, the interactive API reference, served from the `swagger-ui-dist` package's own
 * files (no CDN: neither a test machine nor many intranets reach one). It reads `/openapi.json`, and
 * "Try it out" sends real requests to this server. Without scripts, the page still lists every
 * route in a table. Swagger UI over Redoc (no "try it out") and Scalar (a larger bundle whose
 * client defaults to a hosted proxy): it is the reference most teams know, and plain static files.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { Effect, Option } from "effect"
import { HttpServerResponse } from "effect/http"
import type { Info } from "./OpenApi.js"
import type { Route } from "./Route.js"

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** Where the page loads Swagger UI from: files of `swagger-ui-dist`, served by the adapter. */
export const assetPaths = {
  css: "/docs/swagger-ui.css",
  bundle: "/docs/swagger-ui-bundle.js",
  init: "/docs/swagger-init.js"
} as const

export interface Assets {
  readonly css: string
  readonly bundle: string
}

// CJS builds have `__filename`; ESM has `import.meta.url`.
const moduleBase = (): string => (typeof __filename === "string" ? __filename : import.meta.url)

/** Swagger UI's files, read once; `none` when the package is missing (the page keeps its table). */
export const loadAssets: Effect.Effect<Option.Option<Assets>> = Effect.sync(() => {
  try {
    const require = createRequire(moduleBase())
    const read = (file: string) => readFileSync(require.resolve(`swagger-ui-dist/${file}`), "utf8")
    return Option.some({ css: read("swagger-ui.css"), bundle: read("swagger-ui-bundle.js") })
  } catch {
    return Option.none()
  }
})

export const initScript = (openApiPath: string): string =>
  `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(openApiPath)}, dom_id: "#swagger-ui", ` +
  `deepLinking: true, displayOperationId: true, tryItOutEnabled: true, defaultModelsExpandDepth: 0 });\n`

/** Scripts from this origin only; Swagger UI styles inline and draws icons as data: URIs. */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")

export const asset = (text: string, contentType: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(text, { contentType, headers: { "cache-control": "public, max-age=3600" } })

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
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)} — API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetPaths.css}">
</head>
<body>
<div id="swagger-ui"></div>
<noscript>
<h1>${escapeHtml(info.title)} <small>${escapeHtml(info.version)}</small></h1>
<p>OpenAPI 3.1 document: <a href="${escapeHtml(openApiPath)}">${escapeHtml(openApiPath)}</a>.
Errors are <code>application/problem+json</code>.</p>
<table>
<thead><tr><th>Method</th><th>Path</th><th>Kind</th><th>Operation</th><th>Success</th><th>Summary</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</noscript>
<script src="${assetPaths.bundle}"></script>
<script src="${assetPaths.init}"></script>
</body>
</html>
`
}
