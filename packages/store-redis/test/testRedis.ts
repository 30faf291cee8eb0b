/**
 * The Redis of the tests (`CELLO_REDIS_URL`, or the developer default). Each layer gets a key prefix
 * of its own, so runs that share the server never see each other's keys, and deletes them at the end.
 */
import { randomUUID } from "node:crypto"
import { Effect, Layer } from "effect"
import { RedisClient, RedisConfig } from "../src/index.js"

export const url = process.env.CELLO_REDIS_URL ?? RedisConfig.developmentUrl

export const freshPrefix = (label: string): string => `cello-test:${label}:${randomUUID()}:`

/** Deletes every key under the client's prefix. */
export const dropKeys = Effect.gen(function* () {
  const client = yield* RedisClient.RedisClient
  yield* client.run("dropTestKeys", async (redis) => {
    let cursor = "0"
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${client.config.keyPrefix}*`, "COUNT", 1000)
      if (keys.length > 0) await redis.unlink(...keys)
      cursor = next
    } while (cursor !== "0")
  })
})

/** A client on a fresh prefix whose keys are deleted when the layer is released. */
export const clientLayer = (label: string): Layer.Layer<RedisClient.RedisClient> =>
  Layer.effectDiscard(Effect.addFinalizer(() => Effect.ignore(dropKeys))).pipe(
    Layer.provideMerge(RedisClient.layer({ url, keyPrefix: freshPrefix(label) }))
  )
