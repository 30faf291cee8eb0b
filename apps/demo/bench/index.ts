/**
 * `pnpm bench`: requests/s of `POST /orders` and `GET /orders/{id}` on the demo (memory store, request
 * log off) beside a bare fastify server doing the same in-memory work (`fastify.ts`), in the same run.
 * Each server is its own process; the load comes from this one (autocannon), bounded: a fixed number
 * of connections for a fixed time, rounds interleaved so both see the same machine. Writes RESULTS.md.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { freePort } from "@cello/tooling/net"
import autocannon from "autocannon"
import { inProcessTable } from "./inProcess.js"

const connections = Number(process.env.BENCH_CONNECTIONS ?? "16")
const seconds = Number(process.env.BENCH_SECONDS ?? "5")
const rounds = Number(process.env.BENCH_ROUNDS ?? "3")
const root = new URL("..", import.meta.url)
// tsx's own entry under this Node, not the `.bin` shell shim: a signal to the shim stops the shim alone
// and leaves the demo running.
const tsx = new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url).pathname

const start = async (script: string, ready: string, env: Record<string, string>) => {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, [tsx, "--conditions=@cello/source", script], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "inherit"]
  })
  let output = ""
  child.stdout?.on("data", (chunk) => {
    output += String(chunk)
  })
  for (let i = 0; i < 300 && !output.includes(ready); i++) await new Promise((r) => setTimeout(r, 100))
  if (!output.includes(ready)) throw new Error(`${script} did not start: ${output}`)
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const exited = once(child, "exit")
      child.kill("SIGTERM")
      await exited
    }
  }
}

const orderBody = JSON.stringify({ user_id: "user-1", product: "Widget", quantity: 3, price: 29.99 })

const createOrder = async (url: string): Promise<string> => {
  const res = await fetch(`${url}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: orderBody
  })
  const json: unknown = await res.json()
  const data = typeof json === "object" && json !== null ? Reflect.get(json, "data") : undefined
  const id = typeof data === "object" && data !== null ? Reflect.get(data, "order_id") : undefined
  if (res.status !== 201 || typeof id !== "string") throw new Error(`POST /orders answered ${res.status}`)
  return id
}

interface Measure {
  readonly rps: number
  readonly p99: number
  readonly errors: number
  /** What went wrong, when anything did: statuses other than 2xx, socket errors, timeouts. */
  readonly detail: string
}

const load = async (options: autocannon.Options): Promise<Measure> => {
  const result = await autocannon({ connections, duration: seconds, ...options })
  const wrong = result.non2xx + result.errors + result.timeouts
  const statuses = Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => !code.startsWith("2"))
    .map(([code, { count }]) => `${count}× ${code}`)
  const detail = [
    ...statuses,
    ...(result.errors > 0 ? [`${result.errors} socket errors`] : []),
    ...(result.timeouts > 0 ? [`${result.timeouts} timeouts`] : [])
  ].join(", ")
  return { rps: result.requests.average, p99: result.latency.p99, errors: wrong, detail }
}

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const main = async () => {
  const demo = await start("src/main.ts", "Cello demo on", {
    CELLO_LOG_LEVEL: "Warn",
    CELLO_DATABASE_URL: "",
    CELLO_DEMO_EMBEDDED: ""
  })
  const fastify = await start("bench/fastify.ts", "fastify on", {})
  try {
    const targets = { demo: demo.url, fastify: fastify.url }
    const ids = { demo: await createOrder(demo.url), fastify: await createOrder(fastify.url) }
    const scenarios = [
      {
        name: "POST /orders",
        options: (url: string) => ({
          url: `${url}/orders`,
          method: "POST" as const,
          headers: { "content-type": "application/json" },
          body: orderBody
        })
      },
      {
        name: "GET /orders/{id}",
        options: (url: string, target: keyof typeof ids) => ({ url: `${url}/orders/${ids[target]}` })
      }
    ]
    const rows: Array<string> = []
    for (const scenario of scenarios) {
      const runs: Record<"demo" | "fastify", Array<Measure>> = { demo: [], fastify: [] }
      // A short warm-up of each, then interleaved rounds.
      for (const target of ["demo", "fastify"] as const)
        await autocannon({ ...scenario.options(targets[target], target), connections, duration: 2 })
      for (let round = 0; round < rounds; round++)
        for (const target of ["demo", "fastify"] as const)
          runs[target].push(await load(scenario.options(targets[target], target)))
      const demoRps = median(runs.demo.map((m) => m.rps))
      const fastifyRps = median(runs.fastify.map((m) => m.rps))
      const ratio = demoRps / fastifyRps
      const errorsOf = (ms: ReadonlyArray<Measure>) => ms.reduce((n, m) => n + m.errors, 0)
      const errors = `${errorsOf(runs.demo)} / ${errorsOf(runs.fastify)}`
      for (const target of ["demo", "fastify"] as const)
        for (const m of runs[target])
          if (m.errors > 0) console.log(`${scenario.name}, ${target}: ${m.detail}`)
      const row = `| ${scenario.name} | ${Math.round(demoRps).toLocaleString("en")} | ${median(runs.demo.map((m) => m.p99))} | ${Math.round(fastifyRps).toLocaleString("en")} | ${median(runs.fastify.map((m) => m.p99))} | ${ratio.toFixed(2)}× | ${ratio >= 0.6 ? "met" : "missed"} | ${errors} |`
      rows.push(row)
      console.log(
        `${scenario.name}: demo ${Math.round(demoRps)} req/s, fastify ${Math.round(fastifyRps)} req/s → ${ratio.toFixed(2)}×`
      )
    }
    const table = [
      "| Route | Cello demo (req/s) | demo p99 (ms) | fastify (req/s) | fastify p99 (ms) | demo / fastify | ≥ 0.6× | non-2xx + errors (demo / fastify) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
      ...rows
    ].join("\n")
    const inProcess = await inProcessTable()
    const date = new Date().toISOString().slice(0, 10)
    writeFileSync(
      new URL("RESULTS.md", import.meta.url),
      `# Demo benchmark\n\n\`pnpm bench\` in \`apps/demo\`, ${date}: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ` +
        `autocannon with ${connections} connections for ${seconds} s per round, ${rounds} interleaved rounds (median), ` +
        `each server in its own process, the load from a third. The demo runs from source (tsx) on the memory store with ` +
        `the request log off (\`CELLO_LOG_LEVEL=Warn\`); fastify does the same in-memory work (\`bench/fastify.ts\`).\n\n${table}\n\n` +
        `The same app in this process, behind \`HttpAdapter.toWebHandler\` (no sockets, no load generator; \`bench/inProcess.ts\`, median of 3):\n\n${inProcess}\n\n` +
        "Where the time goes: see the README's Benchmark section.\n"
    )
    console.log(`\n${table}\n\n${inProcess}`)
  } finally {
    await demo.stop()
    await fastify.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
