/**
 * The relay's events/s to a Redis Stream (memory event store → `RedisStreamRelay` → XADD, pages of
 * 500 in one pipeline, checkpoint after each) beside raw ioredis XADD loops over the same envelopes
 * and fields: one awaited XADD at a time, and pipelines of 500.
 */
import { EventStore } from "@cello/eventsourcing"
import { MemoryStore } from "@cello/store-memory"
import { Effect, Fiber, Layer, ManagedRuntime, Schedule } from "effect"
import { Redis } from "ioredis"
import { RedisClient, RedisStreamRelay } from "../src/index.js"
import * as StreamEntry from "../src/internal/streamEntry.js"
import { timed } from "./harness.js"

export const events = Number(process.env.CELLO_BENCH_EVENTS ?? 20_000)

export interface RelayResult {
  readonly relay: number
  readonly rawAwaited: number
  readonly rawPipelined: number
}

export const run = async (redisUrl: string, keyPrefix: string): Promise<RelayResult> => {
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(MemoryStore.layer, RedisClient.layer({ url: redisUrl, keyPrefix }))
  )
  const all = await runtime.runPromise(
    Effect.gen(function* () {
      for (let i = 0; i < events / 100; i++)
        yield* EventStore.append(
          `order-${i % 100}`,
          Array.from({ length: 100 }, (_, k) => ({
            type: "LineAdded",
            data: { sku: `sku-${k}`, qty: 1 + (k % 5), price: 9.99 },
            metadata: { correlationId: `req-${i}` }
          }))
        )
      return yield* EventStore.readAll()
    })
  )
  const redis = new Redis(redisUrl, { protocol: 2 })
  const length = (key: string) => redis.xlen(key)
  const key = (name: string) => `${keyPrefix}stream:${name}`

  // Cello: from starting the relay until the last entry is in the stream.
  const relay = await timed(() =>
    runtime.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(RedisStreamRelay.run({ name: "bench", stream: "relay" }))
        yield* Effect.promise(() => length(key("relay"))).pipe(
          Effect.repeat({ until: (n) => n >= events, schedule: Schedule.spaced("2 millis") })
        )
        yield* Fiber.interrupt(fiber)
      })
    )
  )
  const fields = all.map(StreamEntry.encode)
  const rawAwaited = await timed(async () => {
    for (const f of fields) await redis.xadd(key("raw-awaited"), "*", ...f)
  })
  const rawPipelined = await timed(async () => {
    for (let i = 0; i < fields.length; i += 500) {
      const pipeline = redis.pipeline()
      for (const f of fields.slice(i, i + 500)) pipeline.xadd(key("raw-pipelined"), "*", ...f)
      await pipeline.exec()
    }
  })
  await redis.del(key("relay"), key("raw-awaited"), key("raw-pipelined"))
  redis.disconnect()
  await runtime.dispose()
  return { relay: events / relay, rawAwaited: events / rawAwaited, rawPipelined: events / rawPipelined }
}
