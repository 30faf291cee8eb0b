/**
 * The read-model store's Lua scripts (its writes go through the unit of work's commit script). A collection is a hash (id → JSON text); each indexed field of
 * it is a sorted set (id scored by the field's number) whose key is a base plus the field name. The
 * scripts build those keys themselves, so the store needs one Redis (or a primary), not a Cluster.
 */
import * as Script from "./script.js"

/**
 * KEYS: hash, index set. ARGV: field, sorted-set key base. Declares the index and, the first time,
 * fills it from the stored documents in one atomic step (so no concurrent put is missed).
 */
export const ensureIndex = Script.make(`
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local ok, document = pcall(cjson.decode, entries[i + 1])
  if ok and type(document) == 'table' and type(document[ARGV[1]]) == 'number' then
    redis.call('ZADD', ARGV[2] .. ARGV[1], document[ARGV[1]], entries[i])
  end
end
return 1`)

/**
 * KEYS: hash, index set. ARGV: field ("" for none), sorted-set key base, min, max. When the field is
 * indexed, only documents whose number lies in [min, max] (ZRANGEBYSCORE syntax); otherwise all.
 * Returns a flat id/JSON list.
 */
export const candidates = Script.make(`
if ARGV[1] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  local ids = redis.call('ZRANGEBYSCORE', ARGV[2] .. ARGV[1], ARGV[3], ARGV[4])
  local out = {}
  for start = 1, #ids, 1000 do
    local chunk = {}
    for i = start, math.min(start + 999, #ids) do chunk[#chunk + 1] = ids[i] end
    local documents = redis.call('HMGET', KEYS[1], unpack(chunk))
    for i, id in ipairs(chunk) do
      if documents[i] then out[#out + 1] = id; out[#out + 1] = documents[i] end
    end
  end
  return out
end
return redis.call('HGETALL', KEYS[1])`)
