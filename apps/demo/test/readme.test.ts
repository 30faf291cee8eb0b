/**
 * Keeps the README honest: every `curl` in its ```sh blocks runs against the demo, in order, and
 * answers the status written after it (`# → 201`); `# → 201 ALICE=account_id` keeps that member of
 * the answer as `$ALICE` for the commands after it.
 */
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, expect, it } from "vitest"
import { at, type Demo, startDemo } from "./support/demo.js"

interface Step {
  readonly command: string
  readonly status: number
  readonly captures: ReadonlyArray<readonly [string, string]>
}

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")

/** The curl commands of the ```sh blocks (continuation lines joined) with their `# →` lines. */
const steps: ReadonlyArray<Step> = Array.from(readme.matchAll(/```sh\n([\s\S]*?)```/g), (m) => m[1] ?? "")
  .flatMap((block) => block.replace(/\\\n\s*/g, " ").split("\n"))
  .reduce<Array<{ command: string; expect?: string }>>((acc, line) => {
    const last = acc.at(-1)
    if (line.startsWith("curl ")) acc.push({ command: line })
    else if (line.startsWith("# → ") && last !== undefined && last.expect === undefined)
      last.expect = line.slice(4)
    return acc
  }, [])
  .map(({ command, expect: expected }) => {
    const [status = "", ...captures] = (expected ?? "").split(" ")
    return {
      command,
      status: Number(status),
      captures: captures.map((c) => {
        const [name = "", path = ""] = c.split("=")
        return [name, path] as const
      })
    }
  })

/** Shell words with quotes and `$VAR` expansion (what the README's commands use, no more). */
const words = (command: string, vars: ReadonlyMap<string, string>): ReadonlyArray<string> => {
  const out: Array<string> = []
  let current: string | undefined
  let i = 0
  const expand = () => {
    const name = /^[A-Z_]+/.exec(command.slice(i + 1))?.[0] ?? ""
    const value = vars.get(name)
    if (value === undefined) throw new Error(`$${name} is not set before: ${command}`)
    i += name.length + 1
    return value
  }
  while (i < command.length) {
    const c = command[i]
    if (c === " ") {
      if (current !== undefined) out.push(current)
      current = undefined
      i++
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1)
      current = (current ?? "") + command.slice(i + 1, end)
      i = end + 1
    } else if (c === '"') {
      i++
      let text = ""
      while (command[i] !== '"') {
        if (command[i] === "$") text += expand()
        else text += command[i++]
      }
      current = (current ?? "") + text
      i++
    } else if (c === "$") current = (current ?? "") + expand()
    else {
      current = (current ?? "") + c
      i++
    }
  }
  if (current !== undefined) out.push(current)
  return out
}

let demo: Demo

beforeAll(async () => {
  demo = await startDemo()
}, 60_000)

afterAll(() => demo.stop())

it("shows src/money.ts verbatim", () => {
  const money = readFileSync(new URL("../src/money.ts", import.meta.url), "utf8").trim()
  expect(readme).toContain(money)
})

it("has curl flows with expected statuses", () => {
  expect(steps.length).toBeGreaterThan(30)
  for (const step of steps) expect(step.status, step.command).toBeGreaterThanOrEqual(200)
})

it("runs every curl of the README with the answer it names", async () => {
  const vars = new Map<string, string>()
  for (const step of steps) {
    const args = words(step.command, vars).slice(1)
    let method = "GET"
    let body: string | undefined
    const headers: Record<string, string> = {}
    let url = ""
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] ?? ""
      if (arg === "-X") method = args[++i] ?? method
      else if (arg === "-H") {
        const [name = "", ...value] = (args[++i] ?? "").split(":")
        headers[name.trim().toLowerCase()] = value.join(":").trim()
      } else if (arg === "-d") {
        body = args[++i]
        if (method === "GET") method = "POST"
      } else if (arg.startsWith("http://127.0.0.1:8000")) url = arg.replace("http://127.0.0.1:8000", demo.url)
    }
    const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await response.text()
    expect(response.status, `${step.command}\n→ ${text}`).toBe(step.status)
    for (const [name, path] of step.captures) {
      const value = at(JSON.parse(text), ...path.split("."))
      expect(typeof value, `${name}=${path} in ${text}`).toBe("string")
      vars.set(name, String(value))
    }
  }
})
