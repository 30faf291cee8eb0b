/**
 * What the message being handled now is: the correlation id of everything one request (or saga, or
 * command) caused, and the id of the message that caused the current work. The HTTP adapter, the
 * command bus, the saga orchestrator, projections and the event bus set it; the event store reads it
 * and writes it into every appended event's metadata, so no user code passes ids along.
 *
 * The pattern packages may not import each other, so this file is in eventsourcing, cqrs and saga,
 * byte for byte the same (a test in each package holds it). A `Context.Reference` is found by its
 * key string, so the three copies are one slot in the fiber's context: a command bus in cqrs sets
 * what the event store in eventsourcing reads, with no bridge to wire and no cost beyond one lookup.
 */
import { Context, Effect } from "effect"

export interface MessageContext {
  /** Ties together everything one request caused: its `traceparent` trace id or `x-request-id`. */
  readonly correlationId?: string
  /** What caused the current work: a command's id, `saga:<id>:<step>`, or an event's id. */
  readonly causationId?: string
  /** The command being handled, when a command bus dispatched it. */
  readonly commandId?: string
}

/** The key all three copies share. */
export const key = "@cello/MessageContext"

/** Empty outside any request, command, saga step or projection. */
export const Current = Context.Reference<MessageContext>(key, { defaultValue: () => ({}) })

/** The message context now. */
export const current: Effect.Effect<MessageContext> = Effect.service(Current)

/** Runs `effect` with `context` as its message context. */
export const provide: {
  (context: MessageContext): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, context: MessageContext): Effect.Effect<A, E, R>
} = Effect.provideService(Current)

/** The context of work caused by a stored event: its correlation, and the event as the cause. */
export const causedByEvent = (event: {
  readonly eventId: string
  readonly metadata: { readonly correlationId?: string | undefined }
}): MessageContext =>
  event.metadata.correlationId === undefined
    ? { causationId: event.eventId }
    : { correlationId: event.metadata.correlationId, causationId: event.eventId }
