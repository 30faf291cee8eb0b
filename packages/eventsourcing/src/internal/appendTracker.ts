/**
 * Where `Consistency.track` collects the checkpoints of the appends made while it runs. The
 * `EventStore.make` wrapper records every append here, so no path around `Repository` is missed.
 */
import { Context, Option } from "effect"
import * as Checkpoint from "../Checkpoint.js"

export interface Tracker {
  /** The highest checkpoint appended so far. */
  highest: Option.Option<Checkpoint.Checkpoint>
  /** The enclosing `track`, which must see these appends too. */
  readonly parent: Option.Option<Tracker>
}

/** The innermost running `track`; none outside of one, so appends then cost one lookup. */
export const CurrentTracker = Context.Reference<Option.Option<Tracker>>(
  "@cello/eventsourcing/Consistency/CurrentTracker",
  { defaultValue: Option.none }
)

export const make = (parent: Option.Option<Tracker>): Tracker => ({ highest: Option.none(), parent })

/** Raises `innermost` and every enclosing tracker to `checkpoint`, synchronously. */
export const recordIn = (
  innermost: Option.Option<Tracker>,
  checkpoint: Checkpoint.Checkpoint | undefined
): void => {
  if (checkpoint === undefined) return
  let tracker = innermost
  while (Option.isSome(tracker)) {
    const current = tracker.value
    if (Option.isNone(current.highest) || Checkpoint.isAfter(checkpoint, current.highest.value))
      current.highest = Option.some(checkpoint)
    tracker = current.parent
  }
}
