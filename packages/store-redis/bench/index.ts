/**
 * `pnpm bench` in packages/store-redis: read-model queries on Redis vs PostgreSQL vs memory, and the
 * relay's events/s to Redis Streams beside raw ioredis XADD loops, in one run on one machine. Prints
 * a Markdown table and writes it to bench/RESULTS.md. A benchmark, not a test: it never fails on a
 * number. The PostgreSQL store is used from source (tsconfig paths), as the tests do.
 */
import { randomUUID } from "node:crypto"
import { writeFile } from "node:fs/promises"
import { Redis } from "ioredis"
import { machine, markdownTable, rate } from "./harness.js"
import * as ReadModels from "./readModels.js"
import * as Relay from "./relay.js"

const redisUrl = process.env.CELLO_REDIS_URL ?? "redis://127.0.0.1:6379"
const databaseUrl = process.env.CELLO_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

const redisVersion = async (): Promise<string> => {
  const redis = new Redis(redisUrl)
  const info = await redis.info("server")
  redis.disconnect()
  return /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown"
}

/** Deletes what the run left under its prefix (index declarations survive a clear). */
const dropKeys = async (keyPrefix: string): Promise<void> => {
  const redis = new Redis(redisUrl)
  let cursor = "0"
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 1000)
    if (keys.length > 0) await redis.unlink(...keys)
    cursor = next
  } while (cursor !== "0")
  redis.disconnect()
}

const main = async () => {
  const keyPrefix = `cello-bench:${randomUUID()}:`
  const schema = `bench_redis_${Date.now().toString(36)}`
  process.stderr.write("read models… ")
  const { results: reads, postgresVersion } = await ReadModels.run(redisUrl, databaseUrl, keyPrefix, schema)
  process.stderr.write("relay…\n")
  const relay = await Relay.run(redisUrl, keyPrefix)
  await dropKeys(keyPrefix)

  const storeNames = ReadModels.stores("", "", "", "").map(([name]) => name)
  const readTable = markdownTable(
    ["Query (8 readers, 10,000 documents)", ...storeNames.map((n) => `${n} ops/s`)],
    ["l", ...storeNames.map((): "r" => "r")],
    ReadModels.queries.map(([name], q) => [name, ...(reads[q] ?? []).map(rate)])
  )
  const relayTable = markdownTable(
    ["Publishing to a Redis Stream", "events/s", "vs raw pipelined"],
    ["l", "r", "r"],
    [
      ["Cello relay (memory event store, pages of 500, checkpoint per page)", relay.relay],
      ["raw ioredis XADD, pipelines of 500", relay.rawPipelined],
      ["raw ioredis XADD, one awaited at a time", relay.rawAwaited]
    ].map(([name, n]) => [String(name), rate(Number(n)), `${(Number(n) / relay.rawPipelined).toFixed(2)}×`])
  )
  const report = [
    "# @cello/store-redis benchmark",
    "",
    machine(await redisVersion(), postgresVersion),
    "",
    'Read models through the `ReadModelStore` port, after `ensureIndex` of "n" and "customer" on every',
    "store; each store is loaded with the same documents and measured in turn after a warm-up. Redis",
    "filters and sorts in the app process; an indexed number range or string equality reads only the",
    "documents that can match, a page ordered by an indexed number only the page, and a count of an",
    'indexed number range or string equality is the index\'s own count; "region" has no index.',
    "",
    readTable,
    "",
    `The relay publishes ${Relay.events.toLocaleString("en-US")} stored events (10 fields each) from a checkpoint;`,
    "the raw loops XADD the same fields, encoded the same way.",
    "",
    relayTable,
    ""
  ].join("\n")
  process.stdout.write(`${report}\n`)
  await writeFile(new URL("./RESULTS.md", import.meta.url), report)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
