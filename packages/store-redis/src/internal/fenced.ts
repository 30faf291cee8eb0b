import { Data } from "effect"

/** A commit's condition on a key no longer held (a lease taken over, a checkpoint moved): nothing was written. */
export class Fenced extends Data.TaggedError("Fenced")<{ readonly key: string }> {}
