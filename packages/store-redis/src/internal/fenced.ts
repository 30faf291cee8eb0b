import { Data } from "effect"

/** A commit found that a lease it was fenced by is no longer held by its owner: nothing was written. */
export class LeaseLost extends Data.TaggedError("LeaseLost")<{ readonly lease: string }> {}
