/**
 * The read-model store's Lua scripts for indexes (its writes go through the unit of work's commit
 * script). A collection is a hash (id → JSON text); each indexed field has two sorted sets, whose keys
 * are a base plus the field name: the documents' numbers (id scored by the number) and their strings
 * (`value\0id` members, for lexicographic lookups). The scripts build those keys themselves, so the
 * store needs one Redis (or a primary), not a Cluster.
 */
import * as Script from "./script.js"

/**
 * Lua shared by every script that writes indexes: how a document's field enters (`index`) and leaves
 * (`unindex`) its field's two sorted sets, and `decoded`, a stored document's JSON or {} (never fails).
 */
export const indexing = `
local function decoded(text)
  if not text then return {} end
  local ok, document = pcall(cjson.decode, text)
  if ok and type(document) == 'table' then return document end
  return {}
end
local function unindex(base, sbase, field, id, document)
  redis.call('ZREM', base .. field, id)
  if type(document[field]) == 'string' then redis.call('ZREM', sbase .. field, document[field] .. '\\0' .. id) end
end
local function index(base, sbase, field, id, document)
  local value = document[field]
  if type(value) == 'number' then redis.call('ZADD', base .. field, value, id)
  elseif type(value) == 'string' then redis.call('ZADD', sbase .. field, 0, value .. '\\0' .. id) end
end`

/**
 * KEYS: hash, index set. ARGV: field, number-index base, string-index base. Declares the index and,
 * the first time, fills it from the stored documents in one atomic step (so no concurrent put is missed).
 */
export const ensureIndex = Script.make(`${indexing}
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do index(ARGV[2], ARGV[3], ARGV[1], entries[i], decoded(entries[i + 1])) end
return 1`)

/** Lua: `documents(hash, ids, out)` appends `id, json` for each id the hash holds (HMGET in chunks). */
const documents = `
local function documents(hash, ids, out)
  for start = 1, #ids, 1000 do
    local chunk = {}
    for i = start, math.min(start + 999, #ids) do chunk[#chunk + 1] = ids[i] end
    local found = redis.call('HMGET', hash, unpack(chunk))
    for i, id in ipairs(chunk) do
      if found[i] then out[#out + 1] = id; out[#out + 1] = found[i] end
    end
  end
  return out
end`

/**
 * KEYS: hash, index set. ARGV: a field compared for equality with a string and that string, a field
 * compared with numbers and its range (ZRANGEBYSCORE syntax), the number- and string-index bases
 * ("" for a field not compared). Reads through the first of the two fields that is indexed: only the
 * documents holding the string, or whose number is in range; the whole hash when neither is. Returns a
 * flat id/JSON list (the caller still checks every condition).
 */
export const candidates = Script.make(`${documents}
local ids = nil
if ARGV[1] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  local prefix = ARGV[2] .. '\\0'
  ids = redis.call('ZRANGEBYLEX', ARGV[7] .. ARGV[1], '[' .. prefix, '(' .. ARGV[2] .. '\\1')
  for i, member in ipairs(ids) do ids[i] = string.sub(member, #prefix + 1) end
elseif ARGV[3] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1 then
  ids = redis.call('ZRANGEBYSCORE', ARGV[6] .. ARGV[3], ARGV[4], ARGV[5])
end
if not ids then return redis.call('HGETALL', KEYS[1]) end
return documents(KEYS[1], ids, {})`)

/**
 * KEYS: hash, index set. ARGV: field, number-index base, direction (asc/desc), score range (min, max),
 * how many, and "1" when every document must hold a number in the field. Returns "0" alone when the
 * field's index cannot answer (not declared, or some document has no number there); else "1" and the
 * first ids in the index's order with their JSON, plus every id tied with the last one.
 */
export const page = Script.make(`${documents}
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return {'0'} end
local index = ARGV[2] .. ARGV[1]
if ARGV[7] == '1' and redis.call('ZCARD', index) ~= redis.call('HLEN', KEYS[1]) then return {'0'} end
local take = tonumber(ARGV[6])
if take < 1 then return {'1'} end
local ids
-- The count goes as the caller's text: Lua would print a large number in exponent form.
if ARGV[3] == 'desc' then ids = redis.call('ZREVRANGEBYSCORE', index, ARGV[5], ARGV[4], 'LIMIT', '0', ARGV[6])
else ids = redis.call('ZRANGEBYSCORE', index, ARGV[4], ARGV[5], 'LIMIT', '0', ARGV[6]) end
if #ids == take then
  local score = redis.call('ZSCORE', index, ids[#ids])
  local taken = {}
  for _, id in ipairs(ids) do taken[id] = true end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, score, score)) do
    if not taken[id] then ids[#ids + 1] = id end
  end
end
return documents(KEYS[1], ids, {'1'})`)

/**
 * KEYS: index set. ARGV: field, "n" and the number-index base and a score range (min, max), or "s"
 * and the string-index base and a string without NUL. How many documents hold a number in the range,
 * or the string, in the field; -1 when the field has no index. Stored strings hold no NUL (documents
 * with one are refused), so in a member the first NUL ends the value, whatever the id holds.
 */
export const count = Script.make(`
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return -1 end
if ARGV[2] == 'n' then return redis.call('ZCOUNT', ARGV[3] .. ARGV[1], ARGV[4], ARGV[5]) end
return redis.call('ZLEXCOUNT', ARGV[3] .. ARGV[1], '[' .. ARGV[4] .. '\\0', '(' .. ARGV[4] .. '\\1')`)
