import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

// Starts the demo as `pnpm demo` does (its `start` script), as a real process, and asks it over HTTP.
const port = 18000 + Math.floor(Math.random() * 1000)
let child: ChildProcess

beforeAll(async () => {
  const tsx = new URL("../node_modules/.bin/tsx", import.meta.url).pathname
  child = spawn(tsx, ["--conditions=@cello/source", "src/main.ts"], {
    cwd: new URL("..", import.meta.url),
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk) => {
    output += String(chunk)
  })
  for (let i = 0; i < 100; i++) {
    if (output.includes("Cello demo on")) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`demo did not start: ${output}`)
}, 30_000)

afterAll(async () => {
  child.kill("SIGTERM")
  if (child.exitCode === null) await once(child, "exit")
})

describe("demo placeholder", () => {
  it("says what it serves at / and is healthy", async () => {
    const root = await fetch(`http://127.0.0.1:${port}/`)
    expect(root.status).toBe(200)
    expect(await root.json()).toMatchObject({ service: "cello-demo", status: "placeholder" })
    const health = await fetch(`http://127.0.0.1:${port}/health`)
    expect(await health.json()).toEqual({ status: "healthy" })
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404)
  })
})
