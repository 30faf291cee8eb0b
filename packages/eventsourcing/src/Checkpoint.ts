import { Option, type Order as Ord } from "effect"

/**
 * Where a reader of the global log resumes: an opaque, ordered pair. In PostgreSQL it is
 * (transaction id, position), so readers never skip an event committed out of position order;
 * the memory store uses its append counter as the transaction. Compare with `Checkpoint.Order`.
 */
export interface Checkpoint {
  readonly _tag: "Checkpoint"
  readonly transaction: bigint
  readonly position: bigint
}

export const make = (transaction: bigint, position: bigint): Checkpoint => ({
  _tag: "Checkpoint",
  transaction,
  position
})

/** Before the first event: reading from here reads everything. */
export const start: Checkpoint = make(0n, 0n)

export const Order: Ord.Order<Checkpoint> = (a, b) =>
  a.transaction < b.transaction
    ? -1
    : a.transaction > b.transaction
      ? 1
      : a.position < b.position
        ? -1
        : a.position > b.position
          ? 1
          : 0

export const isAfter = (a: Checkpoint, b: Checkpoint): boolean => Order(a, b) > 0

export const equals = (a: Checkpoint, b: Checkpoint): boolean => Order(a, b) === 0

/** A stable text form for storage: `transaction:position`. */
export const encode = (checkpoint: Checkpoint): string => `${checkpoint.transaction}:${checkpoint.position}`

/** Parses `encode`'s text; None for anything else. */
export const decode = (text: string): Option.Option<Checkpoint> => {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(text)
  return match?.[1] !== undefined && match[2] !== undefined
    ? Option.some(make(BigInt(match[1]), BigInt(match[2])))
    : Option.none()
}
