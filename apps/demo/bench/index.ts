/**
 * `pnpm bench`: each row beside its raw baseline measured in the same run, as a ratio against the
 * issue's target. In memory, the demo beside a bare `node:http` server doing the same work
 * (`nodeHttp.ts`), with fastify doing it too (`fastify.ts`); on PostgreSQL, beside fastify + `pg`
 * doing the same writes in one transaction (`fastifyPg.ts`); the ceiling under any server, the
 * demo's command and query called from bare `node:http` (`domainDirect.ts`), in memory and on
 * PostgreSQL; and the demo's resident memory after 20,000 mixed requests. Every server is its own
 * process, the load comes from `wrk` (or autocannon, `load.ts`), rounds interleaved so every server
 * sees the same machine. Writes RESULTS.md and the table in the README. `BENCH_ONLY=in-process`,
 * `BENCH_ONLY=memory` or `BENCH_ONLY=postgres` runs a part and only prints it.
 */
import { randomUUID } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { reachable } from "@cello/tooling/net"
import pg from "pg"
import { inProcessTable } from "./inProcess.js"
import { client, load, type Measure, type Request } from "./load.js"
import { mixedRequests } from "./mixedRequests.js"
import { type ServerProcess, startServer } from "./serverProcess.js"
import { startFlags } from "./startFlags.js"

const connections = Number(process.env.BENCH_CONNECTIONS ?? "50")
const seconds = Number(process.env.BENCH_SECONDS ?? "5")
const rounds = Number(process.env.BENCH_ROUNDS ?? "3")
const mixedCount = Number(process.env.BENCH_MIXED_REQUESTS ?? "20000")
const pgUrl = process.env.CELLO_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test"
/**
 * `in-process`: only the in-process table; `memory`: the in-memory rows and that table. Either is
 * printed, and nothing is written (a partial run must not replace the tables).
 */
const only = process.env.BENCH_ONLY ?? ""
const inProcessRounds = Number(process.env.BENCH_IN_PROCESS_ROUNDS ?? "3")
const inProcessScale = Number(process.env.BENCH_IN_PROCESS_SCALE ?? "1")

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

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

interface Contender {
  readonly server: ServerProcess
  /** The request for this server (an order id differs per server). */
  readonly request: Request
}

interface Result {
  readonly rps: number
  readonly p99: number
  readonly errors: number
}

/** A warm-up of each, then `rounds` interleaved rounds; the median rate and p99 of each. */
const compare = async (contenders: ReadonlyArray<Contender>): Promise<ReadonlyArray<Result>> => {
  for (const c of contenders) await load(c.request, connections, 2)
  const runs: Array<Array<Measure>> = contenders.map(() => [])
  for (let round = 0; round < rounds; round++)
    for (const [i, c] of contenders.entries()) runs[i]?.push(await load(c.request, connections, seconds))
  return runs.map((ms) => ({
    rps: median(ms.map((m) => m.rps)),
    p99: median(ms.map((m) => m.p99)),
    errors: ms.reduce((n, m) => n + m.errors, 0)
  }))
}

/** `POST /orders` with the benchmark's order, at `s`. */
const post = (s: ServerProcess): Contender => ({
  server: s,
  request: { url: `${s.url}/orders`, method: "POST", body: orderBody }
})

/** The environment that puts a demo process in memory, whatever this shell exports. */
const inMemory = { CELLO_DATABASE_URL: "", CELLO_DEMO_EMBEDDED: "", CELLO_REDIS_URL: "" }

const rate = (r: Result | undefined) =>
  r === undefined ? "—" : `${Math.round(r.rps).toLocaleString("en")} (${r.p99.toFixed(1)} ms)`

interface Row {
  readonly name: string
  readonly cello: Result
  readonly baselineName: string
  readonly baseline: Result
  readonly fastify?: Result
  /** The same app mounted in fastify (`demoInFastify.ts`). */
  readonly mounted?: Result
  readonly target?: number
}

const rowLine = (row: Row) => {
  const ratio = row.cello.rps / row.baseline.rps
  const verdict = row.target === undefined ? "—" : ratio >= row.target ? "met" : "missed"
  // A miss that two decimals would round up onto the target shows a third.
  const shown =
    row.target !== undefined && ratio < row.target && Number(ratio.toFixed(2)) >= row.target
      ? ratio.toFixed(3)
      : ratio.toFixed(2)
  const errors = [
    row.cello,
    row.baseline,
    ...(row.fastify ? [row.fastify] : []),
    ...(row.mounted ? [row.mounted] : [])
  ]
    .map((r) => r.errors)
    .join(" / ")
  return `| ${row.name} | ${rate(row.cello)} | ${rate(row.mounted)} | ${row.baselineName} ${rate(row.baseline)} | ${rate(row.fastify)} | ${shown}× | ${row.target === undefined ? "—" : `≥ ${row.target}×`} | ${verdict} | ${errors} |`
}

const inMemoryRows = async (): Promise<ReadonlyArray<Row>> => {
  const demo = await startServer(
    "src/main.ts",
    "Cello demo on",
    { CELLO_LOG_LEVEL: "Warn", ...inMemory },
    startFlags
  )
  const node = await startServer("bench/nodeHttp.ts", "node:http on")
  const fastify = await startServer("bench/fastify.ts", "fastify on")
  const floor = await startServer("bench/effectFloor.ts", "effect floor on")
  const mounted = await startServer("bench/demoInFastify.ts", "demo in fastify on", inMemory, startFlags)
  const direct = await startServer("bench/domainDirect.ts", "domain direct on", inMemory, startFlags)
  try {
    const [effectConst, nodeConst] = await compare([
      { server: floor, request: { url: `${floor.url}/` } },
      { server: node, request: { url: `${node.url}/` } }
    ])
    const [demoPost, nodePost, fastifyPost, mountedPost, directPost] = await compare([
      post(demo),
      post(node),
      post(fastify),
      post(mounted),
      post(direct)
    ])
    const get = async (s: ServerProcess): Promise<Contender> => ({
      server: s,
      request: { url: `${s.url}/orders/${await createOrder(s.url)}` }
    })
    const [demoGet, nodeGet, fastifyGet, mountedGet, directGet] = await compare([
      await get(demo),
      await get(node),
      await get(fastify),
      await get(mounted),
      await get(direct)
    ])
    if (
      !effectConst ||
      !nodeConst ||
      !demoPost ||
      !nodePost ||
      !demoGet ||
      !nodeGet ||
      !directPost ||
      !directGet
    )
      throw new Error("a result is missing")
    return [
      {
        name: "`GET /` constant, effect's server (no adapter)",
        cello: effectConst,
        baselineName: "node:http",
        baseline: nodeConst
      },
      {
        name: "POST /orders, memory",
        cello: demoPost,
        baselineName: "node:http",
        baseline: nodePost,
        ...(fastifyPost ? { fastify: fastifyPost } : {}),
        ...(mountedPost ? { mounted: mountedPost } : {}),
        target: 0.5
      },
      {
        name: "GET /orders/{id}, memory",
        cello: demoGet,
        baselineName: "node:http",
        baseline: nodeGet,
        ...(fastifyGet ? { fastify: fastifyGet } : {}),
        ...(mountedGet ? { mounted: mountedGet } : {}),
        target: 0.7
      },
      {
        name: "ceiling: `POST /orders`'s command from a bare node:http handler (no adapter, no effect server)",
        cello: directPost,
        baselineName: "node:http",
        baseline: nodePost
      },
      {
        name: "ceiling: `GET /orders/{id}`'s query from a bare node:http handler",
        cello: directGet,
        baselineName: "node:http",
        baseline: nodeGet
      }
    ]
  } finally {
    for (const s of [demo, node, fastify, floor, mounted, direct]) await s.stop()
  }
}

const postgresRows = async (): Promise<ReadonlyArray<Row> | string> => {
  if (!(await reachable(pgUrl, 5432))) return `PostgreSQL row skipped: nothing listens at ${pgUrl}.`
  const suffix = randomUUID().replace(/-/g, "").slice(0, 8)
  const schemas = {
    demo: `cello_bench_demo_${suffix}`,
    fastify: `cello_bench_fastify_${suffix}`,
    direct: `cello_bench_direct_${suffix}`
  }
  const demo = await startServer(
    "src/main.ts",
    "Cello demo on",
    {
      CELLO_LOG_LEVEL: "Warn",
      CELLO_DATABASE_URL: pgUrl,
      CELLO_DATABASE_SCHEMA: schemas.demo,
      CELLO_REDIS_URL: ""
    },
    startFlags
  )
  const fastify = await startServer("bench/fastifyPg.ts", "fastify + pg on", {
    BENCH_PG_URL: pgUrl,
    BENCH_PG_SCHEMA: schemas.fastify
  })
  const direct = await startServer(
    "bench/domainDirect.ts",
    "domain direct on",
    { CELLO_DATABASE_URL: pgUrl, CELLO_DATABASE_SCHEMA: schemas.direct, CELLO_REDIS_URL: "" },
    startFlags
  )
  try {
    const [demoPost, fastifyPost, directPost] = await compare([post(demo), post(fastify), post(direct)])
    if (!demoPost || !fastifyPost || !directPost) throw new Error("a result is missing")
    return [
      {
        name: "POST /orders, PostgreSQL",
        cello: demoPost,
        baselineName: "fastify + pg",
        baseline: fastifyPost,
        target: 0.8
      },
      {
        name: "ceiling: `POST /orders`'s command on PostgreSQL from a bare node:http handler",
        cello: directPost,
        baselineName: "fastify + pg",
        baseline: fastifyPost
      }
    ]
  } finally {
    for (const s of [demo, fastify, direct]) await s.stop()
    const pool = new pg.Pool({ connectionString: pgUrl, max: 1 })
    for (const schema of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await pool.end()
  }
}

/**
 * The demo's resident memory on start and after `mixedCount` mixed requests, in a fresh process; and
 * its heap then (`heapProbe.ts`): used, and live after a full collection.
 */
const memoryLine = async (): Promise<string> => {
  const heapFile = join(mkdtempSync(join(tmpdir(), "cello-heap-")), "heap.json")
  const demo = await startServer(
    "src/main.ts",
    "Cello demo on",
    {
      CELLO_LOG_LEVEL: "Warn",
      ...inMemory,
      BENCH_HEAP_FILE: heapFile
    },
    [...startFlags, "--expose-gc", "--import", "./bench/heapProbe.ts"]
  )
  try {
    const before = demo.rssMiB()
    const statuses = await mixedRequests(demo.url, mixedCount)
    const after = demo.rssMiB()
    demo.signal("SIGUSR2")
    let heap = ""
    for (let i = 0; i < 50 && heap === ""; i++) {
      await new Promise((r) => setTimeout(r, 100))
      heap = existsSync(heapFile) ? readFileSync(heapFile, "utf8") : ""
    }
    const parsed: unknown = heap === "" ? undefined : JSON.parse(heap)
    const field = (name: string) =>
      typeof parsed === "object" && parsed !== null ? String(Reflect.get(parsed, name)) : "?"
    const answered = [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${n}× ${s}`)
      .join(", ")
    return `| demo RSS after ${mixedCount.toLocaleString("en")} mixed requests, memory store | ${Math.round(after)} MiB (${Math.round(before)} MiB at start) | ${field("heapUsed")} MiB used of ${field("heapTotal")}, ${field("liveHeap")} MiB live | < 300 MiB | ${after < 300 ? "met" : "missed"} | ${answered} |`
  } finally {
    await demo.stop()
  }
}

const header = [
  "| Row | Cello req/s (p99) | Cello in fastify req/s (p99) | raw baseline req/s (p99) | fastify req/s (p99) | Cello / baseline | target | | non-2xx + errors (Cello / baseline / fastify / Cello in fastify) |",
  "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |"
]

const replaceBetweenMarkers = (file: URL, content: string) => {
  const text = readFileSync(file, "utf8")
  const open = "<!-- bench:demo -->"
  const close = "<!-- /bench:demo -->"
  const start = text.indexOf(open)
  const end = text.indexOf(close)
  if (start === -1 || end < start) throw new Error(`${file.pathname} has no bench markers`)
  writeFileSync(file, `${text.slice(0, start + open.length)}\n${content}\n${text.slice(end)}`)
}

const main = async () => {
  if (only === "in-process") {
    console.log(await inProcessTable(inProcessRounds, inProcessScale))
    return
  }
  if (only === "memory") {
    const rows = await inMemoryRows()
    console.log([...header, ...rows.map(rowLine)].join("\n"))
    console.log(`\n${await inProcessTable(inProcessRounds, inProcessScale)}`)
    return
  }
  if (only === "postgres") {
    const pgRows = await postgresRows()
    console.log(typeof pgRows === "string" ? pgRows : [...header, ...pgRows.map(rowLine)].join("\n"))
    return
  }
  const rows = [...(await inMemoryRows())]
  const pgRows = await postgresRows()
  const memory = await memoryLine()
  const table = [
    ...header,
    ...rows.map(rowLine),
    ...(typeof pgRows === "string" ? [] : pgRows.map(rowLine))
  ].join("\n")
  const memoryTable = [
    "| Memory | RSS | JS heap then | target | | answers |",
    "| --- | ---: | ---: | --- | --- | --- |",
    memory
  ].join("\n")
  const inProcess = await inProcessTable(inProcessRounds, inProcessScale)
  const date = new Date().toISOString().slice(0, 10)
  const machine = `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"})`
  const method =
    `${client} with ${connections} connections, ${seconds} s per round, ${rounds} interleaved rounds (median), ` +
    `each server in its own process (the demo's own code through tsx on the Cello packages' built \`dist\`, as an app installs them, with \`pnpm demo\`'s ${startFlags.join(" ")}, request log off)`
  const readmeTable = `Run of ${date}, ${machine}, ${method}:\n\n${table}\n\n${memoryTable}${typeof pgRows === "string" ? `\n\n${pgRows}` : ""}`
  writeFileSync(
    new URL("RESULTS.md", import.meta.url),
    `# Demo benchmark\n\n\`pnpm bench\` in \`apps/demo\`. ${readmeTable}\n\n` +
      `The same app in this process, behind \`HttpAdapter.toWebHandler\` (no sockets, no load generator; \`bench/inProcess.ts\`, median of 3):\n\n${inProcess}\n\n` +
      "What the numbers say: see the README's Benchmark section.\n"
  )
  for (const readme of ["../README.md", "../../../packages/http-adapter/README.md"])
    replaceBetweenMarkers(new URL(readme, import.meta.url), readmeTable)
  console.log(`\n${readmeTable}\n\n${inProcess}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
