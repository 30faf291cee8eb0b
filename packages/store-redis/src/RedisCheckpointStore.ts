/**
 * The `CheckpointStore` of `@cello/eventsourcing` on Redis, for async projections whose read models
 * live in Redis. `atomic` is true: inside `atomically`, the read-model writes of a page of events and
 * its checkpoint are applied by one Lua script, so each event changes the read model exactly once,
 * across crashes, Redis restarts and takeovers. Checkpoint and read model also survive (or are lost)
 * together: a Redis emptied by a restart without persistence rebuilds its read models from the start.
 *
 * Leases live in Redis with Redis's own expiry, so every instance shares one clock. A commit is fenced
 * twice: by the lease this process holds, and by the checkpoint it last read or wrote, which must still
 * be the stored one. So a runner that stalled past its lease while another took over, or that kept
 * following while Redis restarted empty, writes nothing and fails (`StoreUnavailable`); the runner then
 * resumes from what is stored, instead of applying a page twice or on top of a lost read model.
 */
import { Checkpoint, CheckpointStore, StoreUnavailable } from "@cello/eventsourcing"
import { Duration, Effect, Layer, Option } from "effect"
import type { Redis as IORedis } from "ioredis"
import { eventSourcingUnavailable } from "./internal/eventSourcingUnavailable.js"
import type { Fenced } from "./internal/fenced.js"
import * as Script from "./internal/script.js"
import * as UnitOfWork from "./internal/unitOfWork.js"
import { RedisClient } from "./RedisClient.js"
import type { RedisError } from "./RedisError.js"

/** KEYS: lease. ARGV: owner, duration ms. Takes the lease when free or already the owner's. */
const acquire = Script.make(`
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`)

/** KEYS: lease. ARGV: owner. Gives the lease up only if the owner holds it. */
const release = Script.make(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`)

export const make: Effect.Effect<CheckpointStore.CheckpointStoreShape, never, RedisClient> = Effect.gen(
  function* () {
    const client = yield* RedisClient
    // Distinct second segments, so no projection name makes a checkpoint key look like a lease key.
    const checkpointKey = (name: string) => client.key("cp", "at", name)
    const leaseKey = (name: string) => client.key("cp", "lease", name)
    // The leases this process holds, and the checkpoints it last read or wrote (null: none stored),
    // by projection: its commits are conditional on both.
    const held = new Map<string, string>()
    const seen = new Map<string, string | null>()
    // Loads and commits of a name may finish in another order than Redis ran them (other fibers poll
    // the checkpoint while the runner commits): each takes a ticket as it is sent, on the one
    // connection that runs commands in that order, and only a newer ticket updates `seen`.
    let tickets = 0
    const newest = new Map<string, number>()
    const issue = (name: string) => {
      const ticket = ++tickets
      return (value: string | null) => {
        if (ticket <= (newest.get(name) ?? 0)) return
        newest.set(name, ticket)
        seen.set(name, value)
      }
    }

    const unavailable = (error: RedisError | Fenced): StoreUnavailable =>
      error._tag === "RedisError"
        ? eventSourcingUnavailable(error)
        : new StoreUnavailable({
            store: "redis",
            operation: "saveCheckpoint",
            detail: error.key.startsWith(client.key("cp", "lease"))
              ? `${client.target}: the lease ${error.key} is no longer this process's (another owner took it over); nothing was written`
              : `${client.target}: the checkpoint ${error.key} is no longer where this process saw it (another runner moved it, or Redis lost it); nothing was written`
          })
    const run = <A>(operation: string, f: (redis: IORedis) => Promise<A>) =>
      client.run(operation, f).pipe(Effect.mapError(eventSourcingUnavailable))
    const write = (name: string, value: string | undefined) => {
      const owner = held.get(name)
      const last = seen.get(name)
      const conditions: Array<UnitOfWork.Condition> = []
      if (owner !== undefined) conditions.push({ key: leaseKey(name), value: owner })
      if (last !== undefined) conditions.push({ key: checkpointKey(name), value: last })
      return UnitOfWork.write(client, value === undefined ? "resetCheckpoint" : "saveCheckpoint", {
        _tag: "Checkpoint",
        key: checkpointKey(name),
        value,
        conditions,
        issued: () => {
          const saw = issue(name)
          return () => saw(value ?? null)
        }
        // After a failure `seen` stays as it was: until a load reads the checkpoint again, every
        // commit of this name fails rather than writing blind.
      }).pipe(Effect.mapError(unavailable))
    }

    const decode = (name: string, text: string): Effect.Effect<Checkpoint.Checkpoint, StoreUnavailable> =>
      Option.match(Checkpoint.decode(text), {
        onSome: Effect.succeed,
        onNone: () =>
          Effect.fail(
            new StoreUnavailable({
              store: "redis",
              operation: "loadCheckpoint",
              detail: `${client.target}: the checkpoint of '${name}' is not a checkpoint: ${JSON.stringify(text.slice(0, 80))}`
            })
          )
      })

    return {
      load: (name) =>
        Effect.gen(function* () {
          const unit = yield* UnitOfWork.Current
          const key = checkpointKey(name)
          const pending = Option.map(unit, (u) => UnitOfWork.pendingCheckpoint(u, key))
          if (Option.isSome(pending) && pending.value.known) {
            const text = pending.value.value
            return text === null ? Option.none() : Option.some(yield* decode(name, text))
          }
          const [text, saw] = yield* run("loadCheckpoint", (redis) => {
            const saw = issue(name)
            return redis.get(key).then((found) => [found, saw] as const)
          })
          saw(text)
          return text === null ? Option.none() : Option.some(yield* decode(name, text))
        }),
      save: (name, checkpoint) => write(name, Checkpoint.encode(checkpoint)),
      reset: (name) => write(name, undefined),
      acquireLease: (name, owner, duration) =>
        Effect.gen(function* () {
          const ms = Math.max(1, Math.ceil(Duration.toMillis(Duration.fromInputUnsafe(duration))))
          const reply = yield* run("acquireLease", (redis) =>
            acquire.run(redis, [leaseKey(name)], [owner, ms])
          )
          const won = reply === 1
          if (won) held.set(name, owner)
          else if (held.get(name) === owner) held.delete(name)
          return won
        }),
      releaseLease: (name, owner) =>
        run("releaseLease", (redis) => release.run(redis, [leaseKey(name)], [owner])).pipe(
          Effect.tap(() =>
            Effect.sync(() => {
              if (held.get(name) === owner) held.delete(name)
            })
          ),
          Effect.asVoid
        ),
      atomic: true,
      atomically: (effect) => UnitOfWork.atomically(client, effect, unavailable)
    }
  }
)

export const layer: Layer.Layer<CheckpointStore.CheckpointStore, never, RedisClient> = Layer.effect(
  CheckpointStore.CheckpointStore,
  make
)
