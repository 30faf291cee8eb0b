/**
 * The set of event types a reader or writer knows: encodes events to storable payloads and decodes
 * stored envelopes, upcasting old schema versions first. Never skips: an unknown type, a missing
 * upcaster or a bad payload is an `EventDecodeError` naming stream, version and type.
 */
import { Effect, Result } from "effect"
import { EventDecodeError, InvalidAppendError } from "./Errors.js"
import type { EventEnvelope, EventPayload, NewEvent } from "./EventEnvelope.js"
import * as EventType from "./EventType.js"

export interface EventCatalog<Ev extends { readonly _tag: string }> {
  readonly types: ReadonlyMap<string, EventType.EventType>
  /** True when the catalog knows this stored type name. */
  readonly has: (type: string) => boolean
  readonly encode: (streamId: string, event: Ev) => Effect.Effect<NewEvent, InvalidAppendError>
  readonly decode: (envelope: EventEnvelope) => Effect.Effect<Ev, EventDecodeError>
  /**
   * `decode` without an Effect, for loops over many events; `undefined` when the envelope needs an
   * upcaster (which is an Effect): use `decode` for that one.
   */
  readonly decodeCurrent: (envelope: EventEnvelope) => Result.Result<Ev, EventDecodeError> | undefined
  /** `decode` of a payload of the stream `streamId` (what `EventStore.readStreamPayloads` reads). */
  readonly decodePayload: (streamId: string, payload: EventPayload) => Effect.Effect<Ev, EventDecodeError>
  /** `decodeCurrent` of a payload of the stream `streamId`. */
  readonly decodeCurrentPayload: (
    streamId: string,
    payload: EventPayload
  ) => Result.Result<Ev, EventDecodeError> | undefined
}

export const make = <const Defs extends ReadonlyArray<EventType.Definition>>(
  definitions: Defs
): EventCatalog<EventType.EventOf<Defs[number]>> => {
  type Ev = EventType.EventOf<Defs[number]>
  const types = new Map<string, EventType.EventType>()
  for (const definition of definitions) {
    const type = EventType.fromDefinition(definition)
    types.set(type.name, type)
  }
  // A decoded value whose tag is in this catalog was produced by that tag's schema.
  const isKnown = (u: { readonly _tag: string }): u is Ev => types.has(u._tag)
  const isKnownResult = <E>(
    result: Result.Result<{ readonly _tag: string }, E>
  ): result is Result.Success<Ev, never> => Result.isSuccess(result) && isKnown(result.success)

  const failure = (streamId: string, payload: EventPayload, cause: string) =>
    new EventDecodeError({
      streamId,
      version: payload.streamVersion,
      type: payload.type,
      schemaVersion: payload.schemaVersion,
      cause
    })

  const decodeCurrentPayload = (
    streamId: string,
    payload: EventPayload
  ): Result.Result<Ev, EventDecodeError> | undefined => {
    const type = types.get(payload.type)
    if (type === undefined || payload.schemaVersion !== type.version) return undefined
    const decoded = type.decodeResult(payload.data)
    // Handed on as it is (no second `Result` an event) when the decoded tag is in this catalog.
    if (isKnownResult(decoded)) return decoded
    return Result.isFailure(decoded)
      ? Result.fail(failure(streamId, payload, decoded.failure.message))
      : Result.fail(failure(streamId, payload, `decoded tag "${decoded.success._tag}" is not in the catalog`))
  }

  const decodePayload = Effect.fnUntraced(function* (streamId: string, payload: EventPayload) {
    const fail = (cause: string) => failure(streamId, payload, cause)
    const type = types.get(payload.type)
    if (type === undefined) return yield* fail("unknown event type: no schema is registered for it")
    if (payload.schemaVersion > type.version)
      return yield* fail(`stored schema version is newer than the known version ${type.version}`)
    let data = payload.data
    for (let v = payload.schemaVersion; v < type.version; v++) {
      const upcaster = type.upcasters.get(v)
      if (upcaster === undefined) return yield* fail(`no upcaster from schema version ${v} to ${v + 1}`)
      data = yield* Effect.mapError(upcaster(data), (e) => fail(`upcast from v${v} failed: ${e.detail}`))
    }
    const event = yield* Effect.mapError(type.decode(data), (e) => fail(e.message))
    if (!isKnown(event)) return yield* fail(`decoded tag "${event._tag}" is not in the catalog`)
    return event
  })

  const encode = (streamId: string, event: Ev): Effect.Effect<NewEvent, InvalidAppendError> => {
    const type = types.get(event._tag)
    if (type === undefined)
      return Effect.fail(
        new InvalidAppendError({ streamId, reason: `event type "${event._tag}" is not registered` })
      )
    return type.encode(event).pipe(
      Effect.map((data): NewEvent => ({ type: type.name, schemaVersion: type.version, data })),
      Effect.mapError((e) => new InvalidAppendError({ streamId, reason: `${event._tag}: ${e.message}` }))
    )
  }

  return {
    types,
    has: (type) => types.has(type),
    encode,
    decode: (envelope) => decodePayload(envelope.streamId, envelope),
    decodeCurrent: (envelope) => decodeCurrentPayload(envelope.streamId, envelope),
    decodePayload,
    decodeCurrentPayload
  }
}
