/**
 * Checks real answers against an OpenAPI 3.1 document: the operation (method + path template) must
 * be documented, the status listed, the content type one it lists, the required headers there, and
 * the body valid against the listed schema (ajv, JSON Schema 2020-12, `$ref`s into the document).
 */
import { Ajv2020 } from "ajv/dist/2020.js"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }
type JsonObject = { readonly [key: string]: Json }

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const member = (value: unknown, key: string): unknown => (isObject(value) ? value[key] : undefined)

export interface Answer {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

/** `/orders/{id}` matches `/orders/abc`, not `/orders/abc/ship`. */
const matches = (template: string, path: string): boolean =>
  new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path)

const pointer = (...parts: ReadonlyArray<string>) =>
  `openapi.json#/${parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`

export const contract = (doc: unknown) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  // The whole document as one schema resource: `#/components/schemas/X` resolves inside it.
  ajv.addSchema({ ...(isObject(doc) ? doc : {}), $id: "openapi.json" })
  const paths = member(doc, "paths")
  const templates = isObject(paths) ? Object.keys(paths) : []
  const operations = templates.flatMap((template) =>
    Object.keys(isObject(paths) && isObject(paths[template]) ? paths[template] : {}).map(
      (method) => `${method.toUpperCase()} ${template}`
    )
  )
  const templateOf = (method: string, path: string): string | undefined => {
    const bare = path.split("?")[0] ?? path
    // A literal segment wins over a parameter (`/orders/stats` before `/orders/{id}`).
    const candidates = templates.filter(
      (t) => matches(t, bare) && isObject(member(paths, t)) && member(member(paths, t), method.toLowerCase())
    )
    return candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0]
  }
  const called = new Set<string>()

  /** The reasons the answer is not one the document allows (empty: it is). */
  const violations = (answer: Answer): ReadonlyArray<string> => {
    const template = templateOf(answer.method, answer.path)
    if (template === undefined) return [`${answer.method} ${answer.path} is not documented`]
    const method = answer.method.toLowerCase()
    called.add(`${answer.method} ${template}`)
    const response = member(
      member(member(member(paths, template), method), "responses"),
      String(answer.status)
    )
    if (!isObject(response))
      return [`${answer.method} ${template}: status ${answer.status} is not documented`]
    const out: Array<string> = []
    const headers = member(response, "headers")
    for (const [name, header] of Object.entries(isObject(headers) ? headers : {}))
      if (member(header, "required") === true && answer.headers.get(name) === null)
        out.push(`${answer.method} ${template} ${answer.status}: header ${name} missing`)
    const content = member(response, "content")
    const contentType = (answer.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? ""
    if (!isObject(content)) {
      if (answer.text.length > 0)
        out.push(`${answer.method} ${template} ${answer.status}: a body where none is documented`)
      return out
    }
    if (!(contentType in content))
      return [
        ...out,
        `${answer.method} ${template} ${answer.status}: content type "${contentType}" not in ${Object.keys(content).join(", ")}`
      ]
    if (!contentType.includes("json")) return out
    const validate = ajv.getSchema(
      pointer("paths", template, method, "responses", String(answer.status), "content", contentType, "schema")
    )
    if (validate === undefined) return [...out, `${answer.method} ${template} ${answer.status}: no schema`]
    const body: unknown = JSON.parse(answer.text)
    if (!validate(body))
      out.push(
        `${answer.method} ${template} ${answer.status}: body ${answer.text.slice(0, 300)} — ${ajv.errorsText(validate.errors)}`
      )
    return out
  }

  return { operations, violations, called, templateOf }
}
