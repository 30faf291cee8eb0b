/**
 * The load: `wrk` when it is installed (a C client, light on the shared cores, so the baselines are
 * not capped by the client), else autocannon from this process. A fixed number of connections for a
 * fixed time; the same client for a row's every server.
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import autocannon from "autocannon"

export interface Request {
  readonly url: string
  readonly method?: "GET" | "POST"
  readonly body?: string
}

export interface Measure {
  readonly rps: number
  readonly p99: number
  /** Non-2xx answers, socket errors and timeouts. */
  readonly errors: number
}

const hasWrk = (() => {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" })
    return true
  } catch (error) {
    // `wrk --version` prints its usage and exits 1: installed all the same.
    return typeof error === "object" && error !== null && Reflect.get(error, "status") === 1
  }
})()

export const client: "wrk" | "autocannon" =
  process.env.BENCH_CLIENT === "autocannon" || !hasWrk ? "autocannon" : "wrk"

const scripts = mkdtempSync(join(tmpdir(), "cello-bench-"))

const luaFor = (request: Request): string => {
  const file = join(
    scripts,
    `${request.method ?? "GET"}-${Buffer.from(request.body ?? "")
      .toString("hex")
      .slice(0, 40)}.lua`
  )
  writeFileSync(
    file,
    [
      `wrk.method = "${request.method ?? "GET"}"`,
      ...(request.body === undefined
        ? []
        : [`wrk.body = ${JSON.stringify(request.body)}`, `wrk.headers["Content-Type"] = "application/json"`])
    ].join("\n")
  )
  return file
}

const millis = (text: string): number => {
  const match = /([\d.]+)(us|ms|s)/.exec(text)
  if (match === null) return Number.NaN
  const value = Number(match[1])
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value
}

const runWrk = (request: Request, connections: number, seconds: number): Promise<Measure> =>
  new Promise((resolve, reject) => {
    const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", luaFor(request), request.url]
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (chunk) => {
      out += String(chunk)
    })
    child.on("error", reject)
    child.on("exit", () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN)
      const p99 = millis(/ 99%\s+(\S+)/.exec(out)?.[1] ?? "")
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
      const socketErrors = socket === null ? 0 : socket.slice(1).reduce((n, x) => n + Number(x), 0)
      if (Number.isNaN(rps)) reject(new Error(`wrk printed no rate:\n${out}`))
      else resolve({ rps, p99, errors: non2xx + socketErrors })
    })
  })

const runAutocannon = async (request: Request, connections: number, seconds: number): Promise<Measure> => {
  const result = await autocannon({
    url: request.url,
    connections,
    duration: seconds,
    method: request.method ?? "GET",
    ...(request.body === undefined
      ? {}
      : { body: request.body, headers: { "content-type": "application/json" } })
  })
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts
  }
}

export const load = (request: Request, connections: number, seconds: number): Promise<Measure> =>
  client === "wrk" ? runWrk(request, connections, seconds) : runAutocannon(request, connections, seconds)
