/**
 * Starts the demo as `pnpm demo` does (its `start` script), as a real process on a free port, and
 * talks to it over HTTP.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { freePort } from "@cello/tooling/net"
import { startFlags } from "../../bench/startFlags.js"

export interface Demo {
  readonly url: string
  readonly output: () => string
  /** SIGTERM: a graceful shutdown. */
  readonly stop: () => Promise<void>
  /** SIGKILL: a crash, with nothing cleaned up. */
  readonly kill: () => Promise<void>
}

// tsx's own entry under this Node, not the `.bin` shell shim: a signal to the shim stops the shim alone
// and leaves the demo running.
const tsx = new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url).pathname
const announced = /Cello demo on (http:\/\/\S+) \(store: (\w+)\)/

/** Spawns the demo with `env` over the test's environment; resolves once it listens. */
export const startDemo = async (env: Readonly<Record<string, string>> = {}): Promise<Demo> => {
  const child: ChildProcess = spawn(
    process.execPath,
    [tsx, ...startFlags, "--conditions=@cello/source", "src/main.ts"],
    {
      cwd: new URL("../..", import.meta.url),
      env: { ...process.env, PORT: String(await freePort()), CELLO_LOG_LEVEL: "Warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: tsx runs the demo in a child process, and a SIGKILL must reach both.
      detached: true
    }
  )
  let output = ""
  child.stdout?.on("data", (chunk) => {
    output += String(chunk)
  })
  child.stderr?.on("data", (chunk) => {
    output += String(chunk)
  })
  // A demo that ends without being told to is a crash a test would only see as refused
  // connections: its last output says why.
  let stopping = false
  child.once("exit", (code, signal) => {
    if (!stopping)
      console.error(
        `the demo exited by itself (${signal ?? `code ${code}`}); its last output:\n${output.slice(-4000)}`
      )
  })
  const signal = (name: NodeJS.Signals, group: boolean) => async () => {
    stopping = true
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
    const exited = once(child, "exit")
    // SIGTERM to tsx, which passes it on (a graceful stop); SIGKILL to the group (a crash of both).
    if (group) process.kill(-child.pid, name)
    else child.kill(name)
    await exited
  }
  const stop = signal("SIGTERM", false)
  const kill = signal("SIGKILL", true)
  for (let i = 0; i < 600; i++) {
    const match = announced.exec(output)
    if (match?.[1] !== undefined) return { url: match[1], output: () => output, stop, kill }
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await stop()
  throw new Error(`the demo did not start:\n${output}`)
}

export interface Answer {
  readonly status: number
  readonly contentType: string
  readonly headers: Headers
  readonly body: unknown
}

const answer = async (response: Response): Promise<Answer> => {
  const text = await response.text()
  const contentType = response.headers.get("content-type") ?? ""
  return {
    status: response.status,
    contentType,
    headers: response.headers,
    body: contentType.includes("json") && text.length > 0 ? JSON.parse(text) : text
  }
}

/** A tiny client: `post(path, body)` sends JSON (a string body is sent as is), `get(path)`. */
export const client = (url: string) => ({
  get: async (path: string) => answer(await fetch(`${url}${path}`)),
  post: async (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    answer(
      await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
      })
    )
})

export type Client = ReturnType<typeof client>

/** The value at a path of a JSON answer (`at(body, "data", "order_id")`), or `undefined`. */
export const at = (value: unknown, ...path: ReadonlyArray<string | number>): unknown =>
  path.reduce<unknown>(
    (current, key) =>
      typeof current === "object" && current !== null ? Reflect.get(current, key) : undefined,
    value
  )

/** The string at a path; fails the test when there is none. */
export const text = (value: unknown, ...path: ReadonlyArray<string | number>): string => {
  const found = at(value, ...path)
  if (typeof found !== "string") throw new Error(`no string at ${path.join(".")} in ${JSON.stringify(value)}`)
  return found
}

/** The number at a path; fails the test when there is none. */
export const num = (value: unknown, ...path: ReadonlyArray<string | number>): number => {
  const found = at(value, ...path)
  if (typeof found !== "number") throw new Error(`no number at ${path.join(".")} in ${JSON.stringify(value)}`)
  return found
}
