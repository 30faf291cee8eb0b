/**
 * Replies of commands run through `call`/`eval` are `unknown` to the compiler: these guards read them
 * without casts. A reply of an unexpected shape reads as empty (the commands here cannot produce one).
 */

export const isString = (reply: unknown): reply is string => typeof reply === "string"

/** An array reply of bulk strings (nil entries dropped). */
export const strings = (reply: unknown): ReadonlyArray<string> =>
  Array.isArray(reply) ? reply.filter(isString) : []

/** A flat `[k1, v1, k2, v2, …]` reply as pairs. */
export const pairs = (reply: ReadonlyArray<string>): ReadonlyArray<readonly [string, string]> => {
  const out: Array<readonly [string, string]> = []
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const key = reply[i]
    const value = reply[i + 1]
    if (key !== undefined && value !== undefined) out.push([key, value])
  }
  return out
}

export interface StreamEntry {
  readonly id: string
  /** None for an entry deleted (or trimmed) after it was delivered. */
  readonly fields: ReadonlyArray<string> | undefined
}

/** A list of stream entries (`[[id, [field, value, …]], …]`, as XRANGE, XREADGROUP, XAUTOCLAIM give). */
export const streamEntries = (reply: unknown): ReadonlyArray<StreamEntry> =>
  Array.isArray(reply)
    ? reply.flatMap((entry: unknown): ReadonlyArray<StreamEntry> => {
        if (!Array.isArray(entry) || !isString(entry[0])) return []
        const fields: unknown = entry[1]
        return [{ id: entry[0], fields: Array.isArray(fields) ? strings(fields) : undefined }]
      })
    : []
