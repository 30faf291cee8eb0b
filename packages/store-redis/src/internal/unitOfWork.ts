/**
 * Writes that commit together: read-model puts, deletes and clears and checkpoint saves, buffered
 * while a projection handles a page of events and then applied by one Lua script, which Redis runs
 * atomically. Reads inside the unit see its own pending writes first. Outside a unit every write is
 * a unit of one, so there is a single write path.
 */
import { Context, Effect, Option } from "effect"
import type { Redis as IORedis } from "ioredis"
import type { RedisClientShape } from "../RedisClient.js"
import type { RedisError } from "../RedisError.js"
import { Fenced } from "./fenced.js"
import { indexing } from "./readModelScripts.js"
import * as Script from "./script.js"

/**
 * The keys of one read-model collection: its hash, its set of indexed fields, and the bases of each
 * indexed field's sorted sets (+ the field name): numbers scored by value, strings as `value\0id`
 * members for lexicographic lookups.
 */
export interface CollectionKeys {
  readonly hash: string
  readonly indexes: string
  readonly indexBase: string
  readonly stringIndexBase: string
}

export type Write =
  | {
      readonly _tag: "Put"
      readonly keys: CollectionKeys
      readonly id: string
      readonly text: string
    }
  | { readonly _tag: "Delete"; readonly keys: CollectionKeys; readonly id: string }
  | { readonly _tag: "Clear"; readonly keys: CollectionKeys }
  /**
   * `value` undefined: the checkpoint is reset. `conditions`: what must still hold when the unit
   * commits (the lease is this owner's, the checkpoint is where this process last saw it);
   * `issued`: called as the commit is sent to Redis; the function it returns, once it is applied.
   */
  | {
      readonly _tag: "Checkpoint"
      readonly key: string
      readonly value: string | undefined
      readonly conditions: ReadonlyArray<Condition>
      readonly issued: () => () => void
    }

/** The key must hold `value` (`null`: must not exist) for the unit to commit. */
export interface Condition {
  readonly key: string
  readonly value: string | null
}

export interface UnitOfWork {
  readonly parent: Option.Option<UnitOfWork>
  readonly writes: Array<Write>
  /** Per hash: id → pending JSON text, or null when deleted. */
  readonly documents: Map<string, Map<string, string | null>>
  /** Hashes cleared in this unit: what is stored in Redis no longer counts. */
  readonly cleared: Set<string>
  /** Per checkpoint key: the pending value, or null when reset. */
  readonly checkpoints: Map<string, string | null>
}

export const Current = Context.Reference<Option.Option<UnitOfWork>>("@cello/store-redis/UnitOfWork", {
  defaultValue: () => Option.none()
})

const make = (parent: Option.Option<UnitOfWork>): UnitOfWork => ({
  parent,
  writes: [],
  documents: new Map(),
  cleared: new Set(),
  checkpoints: new Map()
})

const record = (unit: UnitOfWork, write: Write): void => {
  unit.writes.push(write)
  switch (write._tag) {
    case "Put":
    case "Delete": {
      const documents = unit.documents.get(write.keys.hash) ?? new Map<string, string | null>()
      documents.set(write.id, write._tag === "Put" ? write.text : null)
      unit.documents.set(write.keys.hash, documents)
      return
    }
    case "Clear":
      unit.documents.delete(write.keys.hash)
      unit.cleared.add(write.keys.hash)
      return
    case "Checkpoint":
      unit.checkpoints.set(write.key, write.value ?? null)
  }
}

/** What the unit (or one it is nested in) says of a document: pending text, null if gone, or unknown. */
export const pendingDocument = (
  unit: UnitOfWork,
  hash: string,
  id: string
): { readonly known: false } | { readonly known: true; readonly text: string | null } => {
  const documents = unit.documents.get(hash)
  if (documents?.has(id) === true) return { known: true, text: documents.get(id) ?? null }
  if (unit.cleared.has(hash)) return { known: true, text: null }
  return Option.match(unit.parent, {
    onNone: () => ({ known: false }),
    onSome: (parent) => pendingDocument(parent, hash, id)
  })
}

/** True when the unit (or one it is nested in) changed the collection: lists must merge. */
export const touches = (unit: UnitOfWork, hash: string): boolean =>
  unit.documents.has(hash) ||
  unit.cleared.has(hash) ||
  Option.match(unit.parent, { onNone: () => false, onSome: (parent) => touches(parent, hash) })

/** The stored entries of a collection with the unit's pending writes applied, outermost first. */
export const overlay = (
  unit: UnitOfWork,
  hash: string,
  stored: ReadonlyArray<readonly [string, string]>
): ReadonlyArray<readonly [string, string]> => {
  const base = Option.match(unit.parent, {
    onNone: () => stored,
    onSome: (parent) => overlay(parent, hash, stored)
  })
  const entries = new Map(unit.cleared.has(hash) ? [] : base)
  for (const [id, text] of unit.documents.get(hash) ?? []) {
    if (text === null) entries.delete(id)
    else entries.set(id, text)
  }
  return [...entries]
}

export const pendingCheckpoint = (
  unit: UnitOfWork,
  key: string
): { readonly known: false } | { readonly known: true; readonly value: string | null } =>
  unit.checkpoints.has(key)
    ? { known: true, value: unit.checkpoints.get(key) ?? null }
    : Option.match(unit.parent, {
        onNone: () => ({ known: false }),
        onSome: (parent) => pendingCheckpoint(parent, key)
      })

/**
 * ARGV: the number of conditions, each a key, "=" and the value it must hold or "-" and "" when it
 * must not exist, then the writes, each a tag and its arguments (P hash indexes base sbase id text;
 * D hash indexes base sbase id; C hash indexes base sbase; K key value; R key). Every condition is
 * checked before anything is written: a runner whose lease another owner took, or whose checkpoint
 * moved under it, writes nothing. Returns {1}, or {0, the key whose condition failed}.
 * Index entries follow the stored documents' top-level numbers and strings (decoded here, so the old
 * entries of a replaced document are found too).
 */
const commitScript = Script.make(`
${indexing}
local conditions = tonumber(ARGV[1])
local i = 2
for _ = 1, conditions do
  local held = redis.call('GET', ARGV[i])
  if (ARGV[i + 1] == '=' and held ~= ARGV[i + 2]) or (ARGV[i + 1] == '-' and held ~= false) then
    return {0, ARGV[i]}
  end
  i = i + 3
end
while i <= #ARGV do
  local tag = ARGV[i]
  if tag == 'P' then
    local hash, base, sbase, id, text = ARGV[i + 1], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
    local fields = redis.call('SMEMBERS', ARGV[i + 2])
    if #fields > 0 then
      local before, after = decoded(redis.call('HGET', hash, id)), decoded(text)
      for _, field in ipairs(fields) do
        unindex(base, sbase, field, id, before)
        index(base, sbase, field, id, after)
      end
    end
    redis.call('HSET', hash, id, text)
    i = i + 7
  elseif tag == 'D' then
    local hash, base, sbase, id = ARGV[i + 1], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
    local fields = redis.call('SMEMBERS', ARGV[i + 2])
    if #fields > 0 then
      local before = decoded(redis.call('HGET', hash, id))
      for _, field in ipairs(fields) do unindex(base, sbase, field, id, before) end
    end
    redis.call('HDEL', hash, id)
    i = i + 6
  elseif tag == 'C' then
    redis.call('DEL', ARGV[i + 1])
    for _, field in ipairs(redis.call('SMEMBERS', ARGV[i + 2])) do
      redis.call('DEL', ARGV[i + 3] .. field, ARGV[i + 4] .. field)
    end
    i = i + 5
  elseif tag == 'K' then
    redis.call('SET', ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  elseif tag == 'R' then
    redis.call('DEL', ARGV[i + 1])
    i = i + 2
  else
    return redis.error_reply('unknown write ' .. tostring(tag))
  end
end
return {1}`)

const collection = (keys: CollectionKeys): ReadonlyArray<string> => [
  keys.hash,
  keys.indexes,
  keys.indexBase,
  keys.stringIndexBase
]

const encode = (writes: ReadonlyArray<Write>): ReadonlyArray<string> => {
  const conditions = new Map<string, string | null>()
  const args: Array<string> = []
  for (const write of writes) {
    switch (write._tag) {
      case "Put":
        args.push("P", ...collection(write.keys), write.id, write.text)
        break
      case "Delete":
        args.push("D", ...collection(write.keys), write.id)
        break
      case "Clear":
        args.push("C", ...collection(write.keys))
        break
      case "Checkpoint":
        // A key saved twice in one unit keeps the condition of its first save: what Redis holds now.
        for (const c of write.conditions) if (!conditions.has(c.key)) conditions.set(c.key, c.value)
        if (write.value === undefined) args.push("R", write.key)
        else args.push("K", write.key, write.value)
    }
  }
  const checks = [...conditions].flatMap(([key, value]) =>
    value === null ? [key, "-", ""] : [key, "=", value]
  )
  return [String(conditions.size), ...checks, ...args]
}

const applied = (reply: unknown): Option.Option<string> =>
  Array.isArray(reply) && reply[0] === 0 ? Option.some(String(reply[1])) : Option.none()

/** Applies the writes in one atomic step; fails with `Fenced` (nothing written) when a condition fails. */
const apply = (
  client: RedisClientShape,
  operation: string,
  writes: ReadonlyArray<Write>
): Effect.Effect<void, RedisError | Fenced> =>
  writes.length === 0
    ? Effect.void
    : client
        .run(operation, (redis: IORedis) => {
          // Told in the same tick the command is queued: one connection runs commands in that order.
          const done = writes.flatMap((w) => (w._tag === "Checkpoint" ? [w.issued()] : []))
          return commitScript.run(redis, [], encode(writes)).then((reply) => ({ reply, done }))
        })
        .pipe(
          Effect.flatMap(({ reply, done }) =>
            Option.match(applied(reply), {
              onNone: () =>
                Effect.sync(() => {
                  for (const f of done) f()
                }),
              onSome: (key) => Effect.fail(new Fenced({ key }))
            })
          )
        )

/** Buffers the write in the current unit, or applies it at once when there is none. */
export const write = (
  client: RedisClientShape,
  operation: string,
  change: Write
): Effect.Effect<void, RedisError | Fenced> =>
  Effect.gen(function* () {
    const current = yield* Current
    if (Option.isNone(current)) return yield* apply(client, operation, [change])
    record(current.value, change)
  })

/**
 * Runs the effect in a unit of work and applies its writes together when it succeeds; nothing when it
 * fails. Nested in another unit, its writes join the outer one (kept only if the inner effect succeeds).
 */
export const atomically = <A, E, R, X>(
  client: RedisClientShape,
  effect: Effect.Effect<A, E, R>,
  commitError: (error: RedisError | Fenced) => X
): Effect.Effect<A, E | X, R> =>
  Effect.gen(function* () {
    const parent = yield* Current
    const unit = make(parent)
    const result = yield* Effect.provideService(effect, Current, Option.some(unit))
    if (Option.isSome(parent)) for (const change of unit.writes) record(parent.value, change)
    else yield* Effect.mapError(apply(client, "commitUnitOfWork", unit.writes), commitError)
    return result
  })
