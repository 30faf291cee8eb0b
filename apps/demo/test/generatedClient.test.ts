/**
 * A client generated from `/openapi.json` with `openapi-typescript` (types) and `openapi-fetch`
 * (calls): a call through it type-checks, a wrong body does not, and the call works against the demo.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import openapiTS, { astToString } from "openapi-typescript"
import ts from "typescript"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Demo, startDemo } from "./support/demo.js"

// Outside `test/` (which the package's own type-check covers): the wrong call below must not compile.
const dir = new URL("../.generated/client/", import.meta.url)
let demo: Demo

beforeAll(async () => {
  demo = await startDemo()
  const doc: unknown = await (await fetch(`${demo.url}/openapi.json`)).json()
  mkdirSync(dir, { recursive: true })
  // openapi-typescript reads a document given as a string (JSON is YAML).
  writeFileSync(new URL("api.ts", dir), astToString(await openapiTS(JSON.stringify(doc))))
}, 60_000)

afterAll(() => demo.stop())

const call = (body: string) => `import createClient from "openapi-fetch"
import type { paths } from "./api.js"

export const placeOrder = async (baseUrl: string) => {
  const client = createClient<paths>({ baseUrl })
  const { data, error, response } = await client.POST("/orders", { body: ${body} })
  if (data === undefined) return { status: response.status, error }
  const orderId: string = data.data.order_id
  const read = await client.GET("/orders/{id}", { params: { path: { id: orderId } } })
  return { status: response.status, orderId, product: read.data?.product }
}
`

const typeErrors = (file: string): ReadonlyArray<string> => {
  const program = ts.createProgram([new URL(file, dir).pathname], {
    strict: true,
    exactOptionalPropertyTypes: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    skipLibCheck: true
  })
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))
}

describe("a typed client generated from /openapi.json", () => {
  it("type-checks a call to POST /orders and GET /orders/{id}, and refuses a wrong body", () => {
    writeFileSync(new URL("call.ts", dir), call(`{ product: "Widget", quantity: 2, price: 1.5 }`))
    writeFileSync(new URL("wrong.ts", dir), call(`{ product: "Widget", quantity: "two" }`))
    expect(typeErrors("call.ts")).toEqual([])
    expect(typeErrors("wrong.ts").join("\n")).toMatch(/'string' is not assignable to type 'number'/)
  }, 60_000)

  it("the generated call works against the demo", async () => {
    const module: { placeOrder: (url: string) => Promise<{ status: number; product?: string }> } =
      await import(new URL("call.ts", dir).href)
    const placed = await module.placeOrder(demo.url)
    expect(placed).toMatchObject({ status: 201, product: "Widget" })
  })
})
