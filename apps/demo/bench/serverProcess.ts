/**
 * A server under test as its own Node process (TypeScript through tsx's loader in that same process,
 * so its pid is the server's: its memory can be read and a signal reaches it), on a free port. The
 * Cello packages load from their built `dist`, as in an app that installed them from npm (`pnpm
 * demo` runs their sources through tsx, which costs each request its transpiled code's overhead).
 */
import { execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import { freePort } from "@cello/tooling/net"

export interface ServerProcess {
  readonly url: string
  /** Resident set size in MiB (`ps`). */
  readonly rssMiB: () => number
  /** Sends a signal to the server. */
  readonly signal: (name: NodeJS.Signals) => void
  /** SIGTERM, and wait for the exit. */
  readonly stop: () => Promise<void>
}

const root = new URL("..", import.meta.url)

export const startServer = async (
  script: string,
  ready: string,
  env: Readonly<Record<string, string>> = {},
  nodeArgs: ReadonlyArray<string> = []
): Promise<ServerProcess> => {
  const port = await freePort()
  const child = spawn(process.execPath, ["--import", "tsx", ...nodeArgs, script], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"]
  })
  // Kept until the server is ready, then drained unread (a request log would grow it without end).
  let output = ""
  let started = false
  const keep = (chunk: unknown) => {
    if (!started) output += String(chunk)
  }
  child.stdout.on("data", keep)
  child.stderr.on("data", keep)
  for (let i = 0; i < 600 && !output.includes(ready) && child.exitCode === null; i++)
    await new Promise((r) => setTimeout(r, 100))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, "exit")
    child.kill("SIGTERM")
    await exited
  }
  if (!output.includes(ready)) {
    await stop()
    throw new Error(`${script} did not start: ${output}`)
  }
  started = true
  return {
    url: `http://127.0.0.1:${port}`,
    rssMiB: () =>
      Number(execFileSync("ps", ["-o", "rss=", "-p", String(child.pid)], { encoding: "utf8" })) / 1024,
    signal: (name) => {
      child.kill(name)
    },
    stop
  }
}
