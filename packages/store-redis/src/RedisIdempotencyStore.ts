/**
 * Idempotency keys on Redis: one string per key, `pending` while a dispatch holds it and
 * `completed:<outcome JSON>` after. A claim is `SET NX PX` (and, when taken, a read of what is there)
 * in one Lua script; expiry is Redis's own `PX`, so every instance sees the same clock.
 */
import { IdempotencyStore, StoreUnavailable } from "@cello/cqrs"
import { Duration, Effect, Layer, Schema } from "effect"
import { cqrsUnavailable } from "./internal/cqrsUnavailable.js"
import { isString } from "./internal/reply.js"
import * as Script from "./internal/script.js"
import { RedisClient } from "./RedisClient.js"

const pending = "pending"
const completed = "completed:"

/** Claims the key, returning "" when it was free, or what it holds. */
const claimScript = Script.make(`
if redis.call('SET', KEYS[1], '${pending}', 'NX', 'PX', ARGV[1]) then return '' end
return redis.call('GET', KEYS[1])`)

/** Only a pending claim is given up: an outcome stays until its retention ends. */
const releaseScript = Script.make(`
if redis.call('GET', KEYS[1]) == '${pending}' then redis.call('DEL', KEYS[1]) end
return 1`)

const OutcomeJson = Schema.fromJsonString(
  Schema.Union([
    Schema.Struct({ _tag: Schema.Literal("Succeeded"), value: Schema.Unknown }),
    Schema.Struct({ _tag: Schema.Literal("Failed"), error: Schema.Unknown })
  ])
)

// PX takes whole milliseconds ≥ 1.
const millis = (duration: Duration.Input): number =>
  Math.max(1, Math.ceil(Duration.toMillis(Duration.fromInputUnsafe(duration))))

export const make: Effect.Effect<IdempotencyStore.IdempotencyStoreShape, never, RedisClient> = Effect.gen(
  function* () {
    const client = yield* RedisClient
    const keyOf = (key: string) => client.key("idem", key)

    const readOutcome = (key: string, text: string) =>
      Schema.decodeUnknownEffect(OutcomeJson)(text.slice(completed.length)).pipe(
        Effect.mapError(
          (error) =>
            new StoreUnavailable({
              store: "redis",
              operation: "claimIdempotencyKey",
              detail: `${client.target}: the outcome stored for key "${key}" is unreadable: ${error.message}`
            })
        )
      )

    return {
      claim: (key, claimTtl) =>
        client
          .run("claimIdempotencyKey", (redis) => claimScript.run(redis, [keyOf(key)], [millis(claimTtl)]))
          .pipe(
            Effect.mapError(cqrsUnavailable),
            Effect.flatMap(
              (reply): Effect.Effect<IdempotencyStore.Claim, StoreUnavailable> =>
                !isString(reply) || reply === ""
                  ? Effect.succeed({ _tag: "Claimed" })
                  : reply.startsWith(completed)
                    ? Effect.map(readOutcome(key, reply), (outcome) => ({ _tag: "Completed", outcome }))
                    : Effect.succeed({ _tag: "InProgress" })
            )
          ),
      complete: (key, outcome, retention) =>
        client
          .run("completeIdempotencyKey", (redis) =>
            redis.set(keyOf(key), `${completed}${JSON.stringify(outcome)}`, "PX", millis(retention))
          )
          .pipe(Effect.asVoid, Effect.mapError(cqrsUnavailable)),
      release: (key) =>
        client
          .run("releaseIdempotencyKey", (redis) => releaseScript.run(redis, [keyOf(key)], []))
          .pipe(Effect.asVoid, Effect.mapError(cqrsUnavailable))
    }
  }
)

export const layer: Layer.Layer<IdempotencyStore.IdempotencyStore, never, RedisClient> = Layer.effect(
  IdempotencyStore.IdempotencyStore,
  make
)
