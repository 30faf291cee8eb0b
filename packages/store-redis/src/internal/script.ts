import { createHash } from "node:crypto"
import type { Redis as IORedis } from "ioredis"

/**
 * A Lua script sent by its SHA1 (EVALSHA), and in full only when the server does not know it yet
 * (after a restart or SCRIPT FLUSH). Scripts make a read-then-write atomic without WATCH retries.
 */
export interface Script {
  readonly run: (
    redis: IORedis,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>
  ) => Promise<unknown>
}

export const make = (lua: string): Script => {
  const sha = createHash("sha1").update(lua).digest("hex")
  return {
    run: (redis, keys, args) =>
      redis
        .evalsha(sha, keys.length, ...keys, ...args)
        .catch((error: unknown) =>
          error instanceof Error && error.message.startsWith("NOSCRIPT")
            ? redis.eval(lua, keys.length, ...keys, ...args)
            : Promise.reject(error)
        )
  }
}
